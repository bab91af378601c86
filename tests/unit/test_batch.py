"""A batch of shoes as written in a file or on the command line: what each line asks."""

from __future__ import annotations

import pytest

from analyzer.domain.batch import parse_batch
from analyzer.domain.models import Size
from analyzer.domain.validation import InvalidInput


def test_comments_blank_lines_and_a_size_column() -> None:
    lines = ["# my shelf", "", "DD1391-100,10", "CP9654  # the Jordans", "FQ1759-100, 7Y", "  "]
    items = parse_batch(lines, Size(9.5), "shelf.txt line")
    assert [(i.query, i.size) for i in items] == [("DD1391-100", Size(10.0)), ("CP9654", Size(9.5)), ("FQ1759-100", Size(7.0, "Y"))]
    assert items[2].where == "shelf.txt line 5"


def test_a_line_without_size_needs_the_default() -> None:
    with pytest.raises(InvalidInput, match=r"^line 2: no size for CP9654"):
        parse_batch(["DD1391-100,10", "CP9654"], None)


def test_the_first_bad_line_is_named() -> None:
    with pytest.raises(InvalidInput, match=r"^f line 3: .*23"):
        parse_batch(["a,10", "# x", "b,23"], None, "f line")


def test_an_empty_batch_is_refused() -> None:
    with pytest.raises(InvalidInput, match="no shoes"):
        parse_batch(["# only a comment", ""], Size(10))


def test_arguments_are_taken_as_written() -> None:
    with pytest.raises(InvalidInput, match=r"^shoe 2: "):
        parse_batch(["CP9654", "  "], Size(10), "shoe", comments=False)
    assert [i.query for i in parse_batch(["#1 shoe"], Size(10), "shoe", comments=False)] == ["#1 shoe"]
