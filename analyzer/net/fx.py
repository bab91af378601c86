"""Exchange rates in units per US dollar: from ANALYZER_FX_RATES, else the European Central Bank's
daily reference rates (the sandbox serves its own in the same format), fetched through a cached
session kept 24 h. A failure gives no rates, never an error: pricing then says what it left out."""

from __future__ import annotations

import logging
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import requests
from requests_cache import CachedSession, SQLiteCache

from analyzer.config import CURRENCIES, Settings

log = logging.getLogger(__name__)
FX_TTL_S = 86_400
FX_TIMEOUT_S = 3.0
RETRY_AFTER_FAILURE_S = 300.0
CACHE_FILE = "fx-cache.sqlite"
_SESSIONS: dict[Path, CachedSession] = {}
_LOCK = threading.Lock()
_FAILED_AT: dict[str, float] = {}


def parse_ecb_daily(xml_text: str) -> dict[str, float]:
    """The ECB's eurofxref-daily.xml (rates per euro) as units per US dollar, for the currencies
    StockX takes; {} when the answer is unreadable or has no USD rate."""
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError:
        return {}
    per_euro: dict[str, float] = {"EUR": 1.0}
    for cube in root.iter():
        if cube.tag.endswith("Cube") and "currency" in cube.attrib:
            try:
                per_euro[cube.attrib["currency"].upper()] = float(cube.attrib["rate"])
            except (KeyError, ValueError):
                continue
    usd = per_euro.get("USD")
    if not usd or usd <= 0:
        return {}
    return {code: round(rate / usd, 6) for code, rate in per_euro.items() if code in CURRENCIES and rate > 0}


def _session(data_dir: Path) -> CachedSession:
    path = (Path(data_dir) / CACHE_FILE).resolve()
    with _LOCK:
        if path not in _SESSIONS:
            path.parent.mkdir(parents=True, exist_ok=True)
            _SESSIONS[path] = CachedSession(backend=SQLiteCache(str(path), wal=True), expire_after=FX_TTL_S,
                                            allowable_codes=(200,))
        return _SESSIONS[path]


def rates(settings: Settings) -> dict[str, float]:
    """The rates to use: the configured ones when set, else the daily reference (cached 24 h)."""
    if settings.fx_rates:
        return dict(settings.fx_rates)
    url = settings.fx_url
    if not url or time.monotonic() - _FAILED_AT.get(url, -RETRY_AFTER_FAILURE_S) < RETRY_AFTER_FAILURE_S:
        return {}  # a source that just failed is not asked again at every lookup
    try:
        response = _session(settings.data_dir).get(url, timeout=min(FX_TIMEOUT_S, settings.http_timeout_s))
    except requests.RequestException as exc:
        return _failed(url, type(exc).__name__)
    if response.status_code != 200:
        return _failed(url, f"HTTP {response.status_code}")
    parsed = parse_ecb_daily(response.text)
    if not parsed:
        _session(settings.data_dir).cache.delete(requests=[response.request])
        return _failed(url, "unreadable answer")
    _FAILED_AT.pop(url, None)
    return parsed


def _failed(url: str, why: str) -> dict[str, float]:
    log.warning("exchange rates unavailable (%s); trying again in %.0f s", why, RETRY_AFTER_FAILURE_S)
    _FAILED_AT[url] = time.monotonic()
    return {}


def needed(settings: Settings) -> bool:
    """Whether a lookup may need rates: the display currency is not the one Alias prices in."""
    return settings.currency != "USD"
