"""The pages benchmark's options and its reading of /proc (the browser run itself: tests/e2e/test_pagebench.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from analyzer.bench.pages import DEVELOPMENT, SCREENS, lines, medians, validate
from analyzer.bench.proc import cpu_s, rss_mb


@pytest.mark.parametrize("options, message", [
    ({"rounds": "0"}, "--rounds must be 1 to"),
    ({"rounds": "five"}, "--rounds must be a whole number"),
    ({"pages": "lookup,nowhere"}, "--pages must be some of"),
    ({"server_flags": ["--theme.base dark"]}, r"--server\.\* / --runner\.\*"),
    ({"server_flags": ["--runner.postScriptGC"]}, r"--server\.\* / --runner\.\*"),
])
def test_bad_options_are_one_line(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate(**options)  # type: ignore[arg-type]


def test_compare_config_is_the_development_settings_beside_the_projects_then_the_given_ones() -> None:
    options = validate("3", " Lookup,compare ", compare_config=True, server_flags=["--runner.postScriptGC true"])
    assert options.rounds == 3 and options.screens == ("lookup", "compare")
    assert [c.name for c in options.configs] == ["development", "project", "--runner.postScriptGC true"]
    assert options.configs[0].flags == tuple(DEVELOPMENT) and options.configs[1].flags == ()
    assert validate().configs[0].name == "project" and validate().screens == tuple(SCREENS)


def test_screens_are_named_by_url_never_by_file() -> None:
    assert all(s.path.startswith("/") and ".py" not in s.path for s in SCREENS.values())


def test_a_childs_cpu_and_memory_count_for_its_parent() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time\nx = bytearray(50_000_000)\nt = time.process_time()\n"
                              "while time.process_time() - t < 0.5: pass\ntime.sleep(30)"])
    try:
        deadline = time.monotonic() + 60  # a busy machine gives the child its half second slowly
        while (cpu_s(child.pid) < 0.4 or rss_mb(child.pid) < 45) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert cpu_s(os.getpid()) >= cpu_s(child.pid) >= 0.4
        assert rss_mb(os.getpid()) >= rss_mb(child.pid) >= 45
    finally:
        child.kill()
        child.wait()


def test_medians_and_the_table() -> None:
    rounds = [{"cached_view_cpu_s": v, "startup_cpu_s": 1.0} for v in (0.3, 0.1, 0.2)] + [{"startup_cpu_s": 2.0}]
    assert medians(rounds) == {"cached_view_cpu_s": 0.2, "startup_cpu_s": 1.0}
    result = {"settings": {"rounds": 3, "sessions": 12, "pages": ["lookup"]},
              "configs": {"project": {"flags": [], "pages": {"lookup": medians(rounds)}}}}
    text = lines(result)
    assert "cached view, CPU-s" in text and "0.20" in text and "<= 0.15" in text and "fee change" not in text
