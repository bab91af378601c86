"""The pages benchmark: what a screen costs the server, measured in a real browser.

`python -m analyzer bench --workload pages` starts its own `streamlit run streamlit_app.py` on a free
loopback port, with a data dir and sandbox of its own, and drives Debian's Chromium through Playwright.
For every page and round it restarts the server and measures, from /proc (utime+stime and VmRSS of the
server and its children):

- the first view after start (the server's start-up itself apart),
- a cached view (a new browser context opening the page after the first view warmed the cache),
- a fee change ("StockX payment processing (%)" in the sidebar, until the answer's text changes),
- a returning visitor's view (a new tab in that context: a new session, with Streamlit's own scripts and styles
  already in the browser's cache, as for a person coming back; the server then runs only the page),
- the memory with 1 session, then 12 sessions opened at once (and their CPU; in the first round only:
  twelve Chromium pages take about a minute of a two-core machine),

and, in the browser, the time until the page's answer is visible. Figures are medians over rounds.
CPU-seconds of the server are robust to other work on the machine; wall times are not.

Screens are named by URL path, never by file, so the benchmark outlives a move of the screens.
"""

from __future__ import annotations

import json
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analyzer.bench.browser import CHROMIUM, CHROMIUM_ARGS, ROOT, running_app
from analyzer.bench.browser import app_env as clean_env
from analyzer.bench.proc import TICK_S, cpu_s, rss_mb, settle

SESSIONS = 12  # people opening one page at once, unless --sessions says otherwise
MAX_ROUNDS = 50
SLOW_MS = 120_000
FEE_LABEL = "StockX payment processing (%)"

# Streamlit's own defaults for what the project's .streamlit/config.toml turns off: how a developer runs it.
DEVELOPMENT = ["--server.fileWatcherType", "auto", "--runner.postScriptGC", "true"]

# The targets (issue 24), beside the figures in the output.
TARGETS = {"cached_view_cpu_s": 0.15, "cached_view_answer_s": 1.0, "fee_change_cpu_s": 0.08, "first_view_cpu_s": 2.0,
           "rss_12_sessions_mb": 250.0}


@dataclass(frozen=True)
class Screen:
    """A page by its URL path; `ready` is visible when the answer is; `fee_text` appears once a fee change re-priced it."""
    path: str
    ready: str
    ready_text: str | None = None
    fee_text: str | None = None  # what the page shows of the StockX processing fee, "{fee}" its value
    script: str = "streamlit_app.py"
    sidebar: bool = True  # has the sidebar's fee settings (the floor has none: no fee change)


SCREENS = {
    "lookup": Screen("/?q=CP9654&size=10", ".st-key-decision h2", "you get", "payment processing {fee}%"),
    "compare": Screen("/compare", ".st-key-compare button"),  # the empty state: the form
    "portfolio": Screen("/portfolio", '.st-key-totals [data-testid="stMetricValue"]', "$"),
    "watchlist": Screen("/watchlist", ".st-key-fired p"),
    # Streamlit alone, one line on the same server configuration: what every page costs before its own work.
    "floor": Screen("/", ".st-key-decision h2", script="analyzer/bench/floor_app.py", sidebar=False),
}

# A small filled state for /portfolio and /watchlist, put in the store through the CLI (same env as the server).
PAIRS = """style_id,size,cost,quantity,note
DD1391-100,10,110,1,Panda
CP9654,9.5,230,1,
DZ5485-612,10,180,1,Lost and Found
"""
WATCHES = [["DD1391-100", "--size", "10", "--sell-now-above", "50"], ["CP9654", "--size", "10", "--list-above", "100"]]


@dataclass(frozen=True)
class Config:
    name: str
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Options:
    rounds: int
    screens: tuple[str, ...]
    configs: tuple[Config, ...]
    sessions: int = SESSIONS


def validate(rounds: object = 5, pages: object = None, compare_config: bool = False,
             server_flags: Sequence[str] | None = None, sessions: object = SESSIONS) -> Options:
    """ValueError with a one-line message for a bad option, before anything starts."""
    try:
        count = int(str(rounds).strip())
    except ValueError:
        raise ValueError(f"--rounds must be a whole number, not {rounds!r}") from None
    if not 1 <= count <= MAX_ROUNDS:
        raise ValueError(f"--rounds must be 1 to {MAX_ROUNDS}, not {count}")
    try:
        together = int(str(sessions).strip())
    except ValueError:
        raise ValueError(f"--sessions must be a whole number, not {sessions!r}") from None
    if not 1 <= together <= 50:
        raise ValueError(f"--sessions must be 1 to 50, not {together}")
    names = tuple(p.strip().lower() for p in str(pages or ",".join(SCREENS)).split(",") if p.strip())
    unknown = [n for n in names if n not in SCREENS]
    if unknown or not names:
        raise ValueError(f"--pages must be some of {','.join(SCREENS)}, not {pages!r}")
    configs: list[Config] = []
    if compare_config:
        configs += [Config("development", tuple(DEVELOPMENT)), Config("project")]
    for raw in server_flags or []:
        try:
            flags = tuple(shlex.split(raw))
        except ValueError as exc:
            raise ValueError(f"--server-flags {raw!r}: {exc}") from None
        if not flags or not all(f.startswith(("--server.", "--runner.")) for f in flags[::2]) or len(flags) % 2:
            raise ValueError(f"--server-flags takes pairs of --server.* / --runner.* options and values, not {raw!r}")
        configs.append(Config(" ".join(flags), flags))
    return Options(count, tuple(dict.fromkeys(names)), tuple(configs) or (Config("project"),), together)


# --- the server --------------------------------------------------------------------------------------

def app_env(data_dir: Path) -> dict[str, str]:
    """A sandbox of its own: no credentials, no shared database, Redis or sandbox URL of the developer's shell."""
    return clean_env(data_dir, "ANALYZER_DATABASE_URL", "ANALYZER_SANDBOX_URL", "REDIS_URL", "ANALYZER_USER",
                           "ANALYZER_ALERT_WEBHOOK")


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    started_cpu_s: float = 0.0

    @property
    def pid(self) -> int:
        return self.process.pid


@contextmanager
def server(env: dict[str, str], flags: Sequence[str], script: str = "streamlit_app.py") -> Iterator[Server]:
    with running_app(env, ["--server.address", "127.0.0.1", *flags], script=script) as (process, url):
        running = Server(process, url)
        running.started_cpu_s = settle(process.pid)
        yield running


def fill_store(env: dict[str, str], work: Path) -> None:
    """Three pairs in the portfolio, two watches checked once: as a user's CLI leaves the store."""
    csv = work / "pairs.csv"
    csv.write_text(PAIRS)
    for args in (["portfolio", "import", str(csv)], *(["watch", "add", *w] for w in WATCHES), ["watch", "run", "--once"]):
        done = subprocess.run([sys.executable, "-m", "analyzer", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=180)
        if done.returncode != 0:
            raise RuntimeError(f"analyzer {' '.join(args[:2])} failed: {(done.stderr or done.stdout).strip()[-300:]}")


# --- the browser -------------------------------------------------------------------------------------

def _ready(page: Any, screen: Screen) -> None:
    locator = page.locator(screen.ready)
    if screen.ready_text:
        locator = locator.filter(has_text=screen.ready_text)
    locator.first.wait_for(state="visible", timeout=SLOW_MS)


def _run_over(page: Any) -> None:
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=SLOW_MS)


def view(browser: Any, srv: Server, screen: Screen) -> tuple[Any, dict[str, float]]:
    """Open the page in a new context (a new person); CPU until the server is idle again, seconds until the answer."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    return context, open_page(context, srv, screen)


def open_page(context: Any, srv: Server, screen: Screen) -> dict[str, float]:
    """The page in a new tab of `context`: a new session; in a context that has been here, the browser's
    cache holds Streamlit's scripts and styles (immutable files), as for a person coming back."""
    page = context.new_page()
    before = cpu_s(srv.pid)
    started = time.perf_counter()
    page.goto(srv.url + screen.path, wait_until="commit")
    _ready(page, screen)
    answer_s = time.perf_counter() - started
    _run_over(page)
    return {"cpu_s": settle(srv.pid) - before, "answer_s": answer_s}


MAIN_TEXT = "() => (document.querySelector('[data-testid=\"stMain\"]') || document.body).innerText"


def fee_change(page: Any, srv: Server, screen: Screen) -> dict[str, float]:
    """A new StockX processing fee, one the page does not show yet (so the wait cannot end before the
    re-pricing): no market call, the answer re-priced."""
    box = page.get_by_label(FEE_LABEL)
    current, shown = float(box.input_value() or 0), page.evaluate(MAIN_TEXT)
    new, text = next((fee, screen.fee_text.format(fee=f"{fee:.1f}") if screen.fee_text else "")
                     for fee in (round(3.1 + tenth / 10, 1) for tenth in range(40))
                     if fee != current and (not screen.fee_text or screen.fee_text.format(fee=f"{fee:.1f}") not in shown))
    before = cpu_s(srv.pid)
    started = time.perf_counter()
    box.fill(f"{new:.1f}")
    box.press("Enter")
    figures: dict[str, float] = {}
    if text:
        page.wait_for_function(f"text => ({MAIN_TEXT})().includes(text)", arg=text, timeout=SLOW_MS)
        figures["answer_s"] = time.perf_counter() - started
    else:  # nothing on this screen shows the fee: wait for the run to start (the server's CPU moves), then idle
        deadline = time.monotonic() + 5
        while cpu_s(srv.pid) - before < TICK_S / 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    _run_over(page)
    figures["cpu_s"] = settle(srv.pid) - before
    return figures


def sessions(browser: Any, srv: Server, screen: Screen, count: int = SESSIONS) -> dict[str, float]:
    """`count` people open the page at once; the server's CPU and memory with all of them open."""
    contexts = [browser.new_context(viewport={"width": 1400, "height": 900}) for _ in range(count)]
    pages = [c.new_page() for c in contexts]
    before = cpu_s(srv.pid)
    started = time.perf_counter()
    try:
        for page in pages:
            page.goto(srv.url + screen.path, wait_until="commit")
        for page in pages:
            _ready(page, screen)
        answer_s = time.perf_counter() - started
        for page in pages:
            _run_over(page)
        spent = settle(srv.pid) - before
        return {"cpu_s": spent, "answer_s": answer_s, "rss_mb": rss_mb(srv.pid)}
    finally:
        for context in contexts:
            context.close()


def one_round(browser: Any, env: dict[str, str], flags: Sequence[str], screen: Screen,
              together: int = 0) -> dict[str, float]:
    """One fresh server's figures; `together` sessions opened at once at the end (0: none)."""
    with server(env, flags, screen.script) as srv:
        figures = {"startup_cpu_s": srv.started_cpu_s, "rss_idle_mb": rss_mb(srv.pid)}
        first, seen = view(browser, srv, screen)
        first.close()
        settle(srv.pid)
        figures.update(first_view_cpu_s=seen["cpu_s"], first_view_answer_s=seen["answer_s"])
        context, seen = view(browser, srv, screen)
        figures.update(cached_view_cpu_s=seen["cpu_s"], cached_view_answer_s=seen["answer_s"],
                       rss_1_session_mb=rss_mb(srv.pid))
        if screen.sidebar:
            changed = fee_change(context.pages[0], srv, screen)
            figures["fee_change_cpu_s"] = changed["cpu_s"]
            if "answer_s" in changed:
                figures["fee_change_answer_s"] = changed["answer_s"]
        again = open_page(context, srv, screen)
        figures.update(returning_view_cpu_s=again["cpu_s"], returning_view_answer_s=again["answer_s"])
        context.close()
        if not together:
            return figures
        settle(srv.pid)
        many = sessions(browser, srv, screen, together)
        figures.update({f"sessions_{together}_cpu_s": many["cpu_s"], f"sessions_{together}_answer_s": many["answer_s"],
                        f"rss_{together}_sessions_mb": many["rss_mb"]})
    return figures


def medians(rounds: Sequence[dict[str, float]]) -> dict[str, float]:
    keys = dict.fromkeys(k for r in rounds for k in r)
    return {k: round(statistics.median(r[k] for r in rounds if k in r), 3) for k in keys}


@dataclass
class Run:
    options: Options
    progress: Callable[[str], None] = field(default=lambda message: None)

    def __call__(self) -> dict[str, Any]:
        from playwright.sync_api import sync_playwright

        started = time.perf_counter()
        results: dict[str, Any] = {}
        with tempfile.TemporaryDirectory(prefix="pagebench-") as work, sync_playwright() as pw:
            env = app_env(Path(work) / "data")
            if {"portfolio", "watchlist"} & set(self.options.screens):
                self.progress("filling the store (portfolio import, watch add)")
                fill_store(env, Path(work))
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for config in self.options.configs:
                    pages: dict[str, Any] = {}
                    for name in self.options.screens:
                        rounds, errors = [], []
                        for number in range(self.options.rounds):
                            self.progress(f"{config.name}: {name}, round {number + 1} of {self.options.rounds}")
                            try:
                                # 12 browsers at once take a minute of a small machine: the first round only
                                rounds.append(one_round(browser, env, config.flags, SCREENS[name],
                                                        together=0 if rounds else self.options.sessions))
                            except Exception as exc:  # a round that failed is said, the others still count
                                errors.append(f"round {number + 1}: {type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}")
                                self.progress(errors[-1])
                        if not rounds:
                            raise RuntimeError(f"{config.name}, {name}: every round failed ({errors[-1]})")
                        pages[name] = {"path": SCREENS[name].path, **medians(rounds), "rounds": rounds, "errors": errors}
                    results[config.name] = {"flags": list(config.flags), "pages": pages}
            finally:
                browser.close()
        from analyzer.bench.lookups import _machine

        return {"machine": _machine(), "workload": "pages", "settings": {"rounds": self.options.rounds,
                "sessions": self.options.sessions, "pages": list(self.options.screens)}, "targets": TARGETS,
                "total_s": round(time.perf_counter() - started, 1), "configs": results}


def missing() -> str | None:
    """Why the benchmark cannot run here, in one line; None when it can."""
    if not Path(CHROMIUM).exists():
        return f"the pages benchmark needs Debian's chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the pages benchmark needs Playwright (pip install playwright)"
    return None


def rows(together: int = SESSIONS) -> list[tuple[str, str]]:
    """The figures a page gets: (label, JSON key), with `together` sessions opened at once."""
    return [("first view after start, CPU-s", "first_view_cpu_s"), ("first view, answer after s", "first_view_answer_s"),
            ("cached view, CPU-s", "cached_view_cpu_s"), ("cached view, answer after s", "cached_view_answer_s"),
            ("returning view, CPU-s", "returning_view_cpu_s"),
            ("returning view, answer after s", "returning_view_answer_s"),
            ("fee change, CPU-s", "fee_change_cpu_s"), ("fee change, answer after s", "fee_change_answer_s"),
            ("memory, 1 session, MB", "rss_1_session_mb"), (f"{together} sessions at once, CPU-s", f"sessions_{together}_cpu_s"),
            (f"{together} sessions, last answer after s", f"sessions_{together}_answer_s"),
            (f"memory, {together} sessions, MB", f"rss_{together}_sessions_mb"), ("server start-up, CPU-s", "startup_cpu_s")]


def lines(result: dict[str, Any]) -> str:
    """Medians, one row a figure and one column a configuration, page by page."""
    configs = result["configs"]
    out = [f"pages benchmark: medians of {result['settings']['rounds']} rounds, a fresh server each "
           "(CPU-s of the server's processes are robust to a busy machine; seconds of wall time are not)"]
    for name, config in configs.items():
        out.append(f"  {name}: {' '.join(config['flags']) or '.streamlit/config.toml as it is'}")
    for page in result["settings"]["pages"]:
        out.append(f"\n{page} ({SCREENS[page].path})")
        out.append(f"  {'':34}" + "".join(f"{name[:24]:>26}" for name in configs) + f"{'target':>10}")
        for label, key in rows(result["settings"]["sessions"]):
            values = [configs[c]["pages"][page].get(key) for c in configs]
            if all(v is None for v in values):
                continue
            target = TARGETS.get(key)
            out.append(f"  {label:34}" + "".join(f"{'-' if v is None else f'{v:.2f}':>26}" for v in values)
                       + f"{'' if target is None else f'<= {target:g}':>10}")
    return "\n".join(out)


def run_cli(rounds: object = 5, as_json: bool = False, pages: object = None, compare_config: bool = False,
            server_flags: Sequence[str] | None = None, sessions: object = SESSIONS) -> int:
    try:
        options = validate(rounds, pages, compare_config, server_flags, sessions)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    reason = missing()
    if reason:
        print(f"error: {reason}", file=sys.stderr)
        return 2
    from analyzer.bench.lookups import save
    from analyzer.config import Settings

    def progress(message: str) -> None:
        print(f"benchmark: {message}", file=sys.stderr, flush=True)

    try:
        result = Run(options, progress)()
    except Exception as exc:  # a server that did not start, a page that never showed its answer: one line
        print(f"error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", file=sys.stderr)
        return 1
    save(result, Settings.from_env().data_dir, "bench-pages.json")
    print(json.dumps(result, indent=2) if as_json else lines(result))
    return 0
