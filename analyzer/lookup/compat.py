"""The design's Python API, for callers who already use it: thin names over the engine."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from analyzer.config import Settings
from analyzer.domain.models import LookupResult, ProgressEvent
from analyzer.launch import Opened, open_analyzer


def _as_design_dict(result: LookupResult) -> dict[str, Any]:
    data = result.to_dict()
    data.update(execution_mode=result.mode, processing_time=result.elapsed_s, success=result.success)
    return data


class ParallelShoeAnalyzer:
    def __init__(self, max_workers: int = 3, settings: Settings | None = None) -> None:
        base = settings or Settings.from_env()
        self._opened: Opened = open_analyzer(base.with_(max_workers=max_workers))

    def analyze_shoe_with_pricing_logic_parallel(self, shoe_query: str, size: str = "10") -> dict[str, Any]:
        return _as_design_dict(self._opened.analyzer.lookup(shoe_query, size))

    def analyze_multiple_shoes_parallel(self, shoes: Sequence[str], size: str = "10") -> list[dict[str, Any]]:
        return [_as_design_dict(r) for r in self._opened.analyzer.compare(shoes, size)]

    def close(self) -> None:
        self._opened.close()


class ProgressiveLoadingAnalyzer:
    def __init__(self, progress_callback: Callable[[dict[str, Any]], None], settings: Settings | None = None) -> None:
        self._callback = progress_callback
        self._opened: Opened = open_analyzer(settings or Settings.from_env())

    def analyze_shoe_with_progressive_loading(self, shoe_query: str, size: str = "10") -> dict[str, Any]:
        def forward(event: ProgressEvent) -> None:
            self._callback({"step": f"{event.market}:{event.step}", "message": event.message,
                            "progress": round(event.fraction * 100)})

        self._callback({"step": "start", "message": f"Looking up {shoe_query}", "progress": 0})
        return _as_design_dict(self._opened.analyzer.lookup(shoe_query, size, on_progress=forward))

    def close(self) -> None:
        self._opened.close()
