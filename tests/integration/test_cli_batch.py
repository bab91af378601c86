"""`compare` on the command line takes a batch of any length: arguments, --file or stdin, with
progress on stderr and stdout left to the answer (a table, JSON, or one JSON line per shoe)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from analyzer.cli import commands as cli
from analyzer.launch import Opened
from analyzer.sandbox.prices import load_catalog

STYLES = [shoe.style_ids[0] for shoe in load_catalog()[:12]]


@pytest.fixture
def fast_cli(sandbox_factory, analyzer_for, monkeypatch: pytest.MonkeyPatch):
    """The CLI's analyzer on a fast sandbox of the test's own; the sandbox's counters to check."""
    sandbox = sandbox_factory()
    analyzer = analyzer_for(sandbox, record=False)
    monkeypatch.setattr(cli, "_open", lambda settings, no_cache: Opened(analyzer, None))
    return sandbox


def test_more_than_ten_shoes_from_a_file_with_sizes(fast_cli, run_main, tmp_path: Path) -> None:
    batch = tmp_path / "shelf.txt"
    batch.write_text("# my shelf\n" + "\n".join(f"{s},{9 + i % 3}" for i, s in enumerate(STYLES)) + "\n\n")
    code, out, err = run_main("compare", "--file", str(batch), "--json")
    assert code == 0, err
    data = json.loads(out)  # stdout is the JSON alone
    assert [r["query"] for r in data["results"]] == STYLES
    assert [r["size"] for r in data["results"]][:4] == [9, 10, 11, 9]  # each line's own size
    assert err.count("compare: [") == 12 and "[12/12]" in err  # plain progress lines: stderr is not a terminal


def test_jsonl_prints_every_shoe_once_with_its_place(fast_cli, run_main, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(STYLES) + "\nqqqqzzzz\n"))
    code, out, err = run_main("compare", "-", "--size", "10", "--jsonl")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0, err
    assert sorted(line["index"] for line in lines) == list(range(13))
    by_place = {line["index"]: line for line in lines}
    assert by_place[12]["query"] == "qqqqzzzz" and not by_place[12]["quotes"]["stockx"]["ok"]
    assert all(by_place[i]["query"] == s for i, s in enumerate(STYLES))


def test_table_for_arguments_with_their_own_sizes(fast_cli, run_main) -> None:
    code, out, _ = run_main("compare", f"{STYLES[0]},10", f"{STYLES[1]},8W", "--size", "9")
    assert code == 0 and out.count("\n") >= 4 and "2 shoes in" in out


@pytest.mark.parametrize("args", [["compare", "CP9654"], ["compare", "CP9654,23"], ["compare", "--file", "/nonexistent/x"],
                                  ["compare", "CP9654", "--size", "10", "--json", "--jsonl"], ["compare"]])
def test_a_bad_batch_is_one_line_and_no_call(fast_cli, run_main, args: list[str]) -> None:
    code, out, err = run_main(*args)
    assert code == 2 and out == "" and err.startswith("error: ") and err.count("\n") == 1, err
    assert fast_cli.counters.requests == {"stockx": 0, "alias": 0}
