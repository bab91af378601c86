"""The design's Python API still works, as thin names over the engine."""

from __future__ import annotations

from analyzer import ParallelShoeAnalyzer, ProgressiveLoadingAnalyzer
from analyzer.config import Settings


def test_parallel_shoe_analyzer(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("ANALYZER_SANDBOX", "1")
    analyzer = ParallelShoeAnalyzer(max_workers=2, settings=Settings.from_env())
    try:
        one = analyzer.analyze_shoe_with_pricing_logic_parallel("DD1391-100", size="10")
        assert one["execution_mode"] == "parallel" and one["success"] and one["processing_time"] > 0
        assert one["source"] == "sandbox" and one["quotes"]["stockx"]["lowest_ask"] is not None
        many = analyzer.analyze_multiple_shoes_parallel(["CP9654", "DZ5485-612"], size="10")
        assert [m["query"] for m in many] == ["CP9654", "DZ5485-612"] and all(m["success"] for m in many)
    finally:
        analyzer.close()


def test_progressive_loading_analyzer(monkeypatch) -> None:
    monkeypatch.setenv("ANALYZER_SANDBOX", "1")
    updates: list[dict] = []
    analyzer = ProgressiveLoadingAnalyzer(updates.append, settings=Settings.from_env())
    try:
        result = analyzer.analyze_shoe_with_progressive_loading("CP9654", "10")
    finally:
        analyzer.close()
    assert result["success"]
    assert updates[0]["progress"] == 0 and updates[-1]["progress"] == 100
    assert all({"step", "message", "progress"} <= u.keys() for u in updates)
    assert [u["progress"] for u in updates] == sorted(u["progress"] for u in updates)
