from __future__ import annotations

import pytest

from analyzer.domain.models import Size
from analyzer.domain.validation import (
    MAX_COMPARE,
    US_SIZES,
    InvalidInput,
    clean_queries,
    clean_query,
    parse_size,
    size_label,
    size_text,
)


@pytest.mark.parametrize(("raw", "size"), [
    ("10", Size(10.0)), ("10.5", Size(10.5)), ("US 10", Size(10.0)), ("US M 10", Size(10.0, "M")), ("M 10", Size(10.0, "M")),
    ("us m 10.5", Size(10.5, "M")), (" 1 ", Size(1.0)), ("22", Size(22.0)), (9.5, Size(9.5)), (11, Size(11.0)),
    ("8W", Size(8.0, "W")), ("W 8", Size(8.0, "W")), ("US W 8", Size(8.0, "W")), ("us w 9.5", Size(9.5, "W")),
    ("7Y", Size(7.0, "Y")), ("US 7Y", Size(7.0, "Y")), ("GS 7", Size(7.0, "Y")), ("3.5y", Size(3.5, "Y")),
    ("4C", Size(4.0, "C")), ("US 4C", Size(4.0, "C")), ("10C", Size(10.0, "C")),
])
def test_sizes_accepted(raw: object, size: Size) -> None:
    assert parse_size(raw) == size


@pytest.mark.parametrize(("size", "label"), [(Size(10, "M"), "US M 10"), (Size(8, "W"), "US W 8"), (Size(7, "Y"), "US 7Y"),
                                              (Size(4, "C"), "US 4C"), (Size(10.5), "US 10.5")])
def test_labels_and_text_read_back(size: Size, label: str) -> None:
    assert size_label(size.value, size.scale) == label
    assert parse_size(size_text(size)) == size and parse_size(label) == size


@pytest.mark.parametrize("raw", ["0.5", "22.5", "10.25", "ten", "", "10 1/2", None, True, -3, "1e1", "8Y", "US W 8M",
                                 "W8W5", "14C", "XL 10", "nan"])
def test_sizes_refused_with_one_line(raw: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_size(raw)
    assert "\n" not in str(caught.value) and str(caught.value)


def test_every_listed_size_parses() -> None:
    assert len(US_SIZES) == 43
    assert all(parse_size(str(s)) == Size(s) for s in US_SIZES)


def test_compare_names_the_bad_line_and_keeps_the_maximum() -> None:
    with pytest.raises(InvalidInput, match="Shoe 2"):
        clean_queries(["DD1391-100", "  ", "CP9654"])
    with pytest.raises(InvalidInput, match=f"at most {MAX_COMPARE}"):
        clean_queries(["CP9654"] * (MAX_COMPARE + 1))
    assert clean_queries(["CP9654"] * MAX_COMPARE) == ["CP9654"] * MAX_COMPARE


@pytest.mark.parametrize("raw", ["", "   ", "x" * 101, "bad\x00query", "tab\tquery", None])
def test_queries_refused(raw: object) -> None:
    with pytest.raises(InvalidInput):
        clean_query(raw)


@pytest.mark.parametrize("raw", ["DD1391-100", "  panda  ", "<b>dunk</b>", "'; DROP TABLE--", "👟 dunk", "../etc", "&?#", "x" * 100])
def test_odd_but_valid_queries_kept(raw: str) -> None:
    assert clean_query(raw) == raw.strip()
