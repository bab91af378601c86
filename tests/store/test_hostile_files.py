"""Hostile portfolio files (issue 17, point 6) and formula cells in every CSV written (point 7).

Each file is refused with one line that says why, the same way by `portfolio import` and the page's
`import_file`; nothing of a refused file is stored."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pandas as pd
import pytest

from analyzer.config import CURRENCIES, IMPORT_MAX_BYTES, IMPORT_MAX_ROWS, Settings
from analyzer.domain.csv_safe import safe_cell
from analyzer.domain.owners import LOCAL
from analyzer.services.portfolio_csv import export_csv, import_file
from analyzer.store import Store, db, positions_repo
from tests.clirun import cli_env, run_cli
from ui import compare_views

HEADER = "style_id,size,cost,quantity,currency,note\n"
ROW = "DD1391-100,10,110,1,USD,panda\n"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    url = db.default_url(tmp_path / "data")
    yield Store(url)
    db.dispose(url)


def held(store: Store) -> list[positions_repo.Position]:
    with store.read() as conn:
        return positions_repo.open_positions(conn, owner=LOCAL)


class CountingStream(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.taken = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.taken += len(chunk)
        return chunk


def test_a_50_mb_file_is_refused_fast_after_reading_one_byte_past_the_limit(store: Store) -> None:
    data = (HEADER + ROW * (50_000_000 // len(ROW))).encode()
    stream = CountingStream(data)
    started = time.perf_counter()
    done = import_file(store, stream, owner=LOCAL)
    took = time.perf_counter() - started
    assert [(p.line, p.reason) for p in done.problems] == [
        (0, "the file is larger than 2 MB (ANALYZER_IMPORT_MAX_BYTES): split it")]
    assert stream.taken == IMPORT_MAX_BYTES + 1 and took < 1.0 and held(store) == []
    print(f"50 MB file refused in {took * 1000:.1f} ms")


def test_the_largest_file_accepted_is_5000_rows_under_2_mb(store: Store) -> None:
    note = "x" * 300
    data = (HEADER + f"DD1391-100,10,110,1,USD,{note}\n" * IMPORT_MAX_ROWS).encode()
    assert len(data) < IMPORT_MAX_BYTES
    started = time.perf_counter()
    done = import_file(store, io.BytesIO(data), owner=LOCAL)
    took = time.perf_counter() - started
    assert done.problems == [] and len(done.ids) == IMPORT_MAX_ROWS
    print(f"{len(data):,} bytes, {IMPORT_MAX_ROWS} rows imported in {took:.2f} s")
    one_more = (HEADER + ROW * (IMPORT_MAX_ROWS + 1)).encode()
    refused = import_file(store, io.BytesIO(one_more), owner=LOCAL)
    assert [(p.line, p.reason) for p in refused.problems] == [
        (IMPORT_MAX_ROWS + 2, "more than 5,000 positions (ANALYZER_IMPORT_MAX_ROWS): split the file")]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_utf8_with_or_without_bom_and_utf16_with_bom_are_read(store: Store, encoding: str) -> None:
    done = import_file(store, io.BytesIO((HEADER + "DD1391-100,10,110,1,EUR,Crème brûlée\n").encode(encoding)), owner=LOCAL)
    assert done.problems == [] and [p.note for p in held(store)] == ["Crème brûlée"]


def test_other_encodings_are_named_not_mangled(store: Store) -> None:
    latin = import_file(store, io.BytesIO((HEADER + "DD1391-100,10,110,1,EUR,Crème\n").encode("latin-1")), owner=LOCAL)
    assert len(latin.problems) == 1 and latin.problems[0].line == 0
    assert "not UTF-8 (line 2" in latin.problems[0].reason and "save it as UTF-8" in latin.problems[0].reason
    no_bom = import_file(store, io.BytesIO((HEADER + ROW).encode("utf-16-le")), owner=LOCAL)
    assert "UTF-16 without a byte order mark" in no_bom.problems[0].reason and "save it as UTF-8" in no_bom.problems[0].reason
    assert held(store) == []


def test_a_cell_past_the_field_limit_names_its_line(store: Store) -> None:
    data = (HEADER + ROW + 'CP9654,9,100,1,USD,"' + "y" * 200_000 + '"\n').encode()
    done = import_file(store, io.BytesIO(data), owner=LOCAL)
    assert len(done.problems) == 1 and done.problems[0].line == 3
    assert "a cell is longer than 131,072 characters" in done.problems[0].reason and held(store) == []


def test_an_unknown_currency_is_refused_with_the_known_ones(store: Store) -> None:
    done = import_file(store, io.BytesIO((HEADER + "DD1391-100,10,110,1,XYZ,\n").encode()), owner=LOCAL)
    assert [p.line for p in done.problems] == [2]
    assert "XYZ" in done.problems[0].reason and ", ".join(CURRENCIES) in done.problems[0].reason


def test_the_limits_come_from_the_environment() -> None:
    settings = Settings.from_env({"ANALYZER_IMPORT_MAX_BYTES": "1000", "ANALYZER_IMPORT_MAX_ROWS": "3"})
    assert (settings.import_max_bytes, settings.import_max_rows) == (1000, 3)
    assert (Settings().import_max_bytes, Settings().import_max_rows) == (2_000_000, 5_000)


def test_cli_refuses_each_hostile_file_in_one_line_exit_2(tmp_path: Path, fast_sandbox) -> None:
    url = db.default_url(tmp_path / "data")
    env = cli_env(tmp_path / "data", fast_sandbox.url, url)
    files = {"big.csv": (HEADER + ROW * (50_000_000 // len(ROW))).encode(),
             "latin.csv": (HEADER + "DD1391-100,10,110,1,EUR,Crème\n").encode("latin-1"),
             "cell.csv": (HEADER + 'CP9654,9,100,1,USD,"' + "y" * 200_000 + '"\n').encode(),
             "xyz.csv": (HEADER + "DD1391-100,10,110,1,XYZ,\n").encode()}
    expected = {"big.csv": "error: the file is larger than 2 MB", "latin.csv": "error: the file is not UTF-8",
                "cell.csv": "line 2: not a readable CSV: a cell is longer", "xyz.csv": "line 2: currency XYZ"}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        started = time.perf_counter()
        done = run_cli(env, "portfolio", "import", str(tmp_path / name))
        took = time.perf_counter() - started
        assert done.returncode == 2, (name, done.stderr)
        assert "Traceback" not in done.stderr and expected[name] in done.stderr, (name, done.stderr)
        if name in ("big.csv", "latin.csv"):
            assert done.stderr.count("\n") == 1, done.stderr
        print(f"CLI {name}: exit 2 in {took:.2f} s")
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes((HEADER + ROW).encode("utf-16"))
    assert run_cli(env, "portfolio", "import", str(utf16)).returncode == 0


FORMULAS = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example","click")', "+SUM(1,2)", "@SUM(1)", "-2+3",
            "\t=1", "\r=1"]


def test_safe_cell_quotes_formulas_and_keeps_numbers() -> None:
    assert [safe_cell(f) for f in FORMULAS] == ["'" + f for f in FORMULAS]
    assert [safe_cell(v) for v in (-12.5, "-12.5", "+3", 7, None, "panda", "1e3")] == [-12.5, "-12.5", "+3", 7, None,
                                                                                      "panda", "1e3"]


def test_portfolio_export_neutralises_formula_notes(store: Store) -> None:
    rows = "".join(f'DD1391-100,10,110,1,USD,"{f.replace(chr(34), chr(34) * 2)}"\n' for f in FORMULAS[:4])
    assert import_file(store, io.BytesIO((HEADER + rows).encode()), owner=LOCAL).problems == []
    exported = list(csv.DictReader(io.StringIO(export_csv(held(store)))))
    assert [r["note"] for r in exported] == ["'" + f for f in FORMULAS[:4]]
    assert all(r["cost"] == "110.00" for r in exported)


def test_compare_csv_neutralises_a_market_title_and_keeps_negative_numbers() -> None:
    frame = pd.DataFrame({"Shoe": ['=HYPERLINK("http://evil.example","x")', "Panda"], "Size": ["US 10", "US 9"],
                          "Profit": [-12.5, 30.0]})
    back = pd.read_csv(io.BytesIO(compare_views.compare_csv(frame, "2026-11-29T09:00:00+00:00", "sandbox")))
    assert back["Shoe"].tolist() == ['\'=HYPERLINK("http://evil.example","x")', "Panda"]
    assert back["Profit"].tolist() == [-12.5, 30.0]
