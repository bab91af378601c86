from __future__ import annotations

import pytest

from analyzer.validation import US_SIZES, InvalidInput, clean_query, parse_size


@pytest.mark.parametrize(("raw", "size"), [("10", 10.0), ("10.5", 10.5), ("US 10", 10.0), ("US M 10", 10.0),
                                          ("us m 10.5", 10.5), (" 1 ", 1.0), ("22", 22.0), (9.5, 9.5), (11, 11.0)])
def test_sizes_accepted(raw: object, size: float) -> None:
    assert parse_size(raw) == size


@pytest.mark.parametrize("raw", ["0.5", "22.5", "10.25", "ten", "", "US W 8", "10 1/2", None, True, -3, "1e1"])
def test_sizes_refused_with_one_line(raw: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_size(raw)
    assert "\n" not in str(caught.value) and str(caught.value)


def test_every_listed_size_parses() -> None:
    assert len(US_SIZES) == 43
    assert all(parse_size(str(s)) == s for s in US_SIZES)


@pytest.mark.parametrize("raw", ["", "   ", "x" * 101, "bad\x00query", "tab\tquery", None])
def test_queries_refused(raw: object) -> None:
    with pytest.raises(InvalidInput):
        clean_query(raw)


@pytest.mark.parametrize("raw", ["DD1391-100", "  panda  ", "<b>dunk</b>", "'; DROP TABLE--", "👟 dunk", "../etc", "&?#", "x" * 100])
def test_odd_but_valid_queries_kept(raw: str) -> None:
    assert clean_query(raw) == raw.strip()
