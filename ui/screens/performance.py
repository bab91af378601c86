"""Performance: is the tool fast and healthy? Figures against their targets, in a reseller's words, and the benchmark."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.express as px
import streamlit as st

from analyzer.bench import lookups as bench
from analyzer.domain.models import ProgressEvent
from analyzer.domain.report import label
from analyzer.domain.times import parse_time
from analyzer.markets.registry import MARKETS, NAMES
from ui import charts, controls, live, views

TARGETS = {"avg_elapsed_s": 4.0, "market_failure_rate": 0.10, "rate_limit_rate": 0.05, "cache_hit_rate": 0.60}
KPI_WIDTH = 165
MARKET_COLUMNS = {"lookups": "Lookups", "market_failures": "Market failures", "not_found": "Shoe not found",
                  "size_not_offered": "No such size", "avg_elapsed_s": "Average time", "p95_elapsed_s": "Slowest 5% from",
                  "calls": "Calls sent", "cache_hit_rate": "From the cache", "rate_limit_hits": "Rate-limited (429)",
                  "retries": "Retries"}

st.title("Performance")
controls.sandbox_badge()
store: Any = controls.opened().analyzer.metrics
zone = st.context.timezone or "UTC"
zone_name = "UTC" if zone == "UTC" else zone.split("/")[-1].replace("_", " ")


def local(ts: float | None) -> str:
    if ts is None:
        return views.DASH
    return pd.Timestamp(ts, unit="s", tz="UTC").tz_convert(zone).strftime("%d %b %H:%M")


def outcome(row: pd.Series) -> str:
    """What a lookup came to, in a few words: a typo or a missing size is an answer, not a failure."""
    kinds = {m: row.get(f"{m}_error_kind") for m in NAMES if row.get(f"{m}_ok") in (0, False)}
    if not kinds:
        return "quoted"
    failed = [label(m) for m, kind in kinds.items() if kind not in ("not_found", "size_not_offered")]
    if failed:
        return f"{' and '.join(failed)} failed"
    if set(kinds.values()) == {"not_found"}:
        return "not found" if len(kinds) == 2 else f"not on {label(next(iter(kinds)))}"
    return "no such size"


owner = controls.owner()
summary = store.summary(owner=owner)  # your lookups: what others looked up is theirs
recent = pd.DataFrame(store.recent(500, owner=owner))

if not summary.get("lookups"):
    st.info("No lookups recorded yet. Price a pair or compare a few, and the figures show here.", icon=":material/info:")
else:
    def kpi(title: str, value: float | None, target: float, fmt: str, lower_is_better: bool, why: str) -> None:
        if value is None:
            st.metric(title, views.DASH, help=f"{why} No figure yet.", width=KPI_WIDTH)
            return
        met = value <= target if lower_is_better else value >= target
        st.metric(title, fmt.format(value), delta=("meets" if met else "misses") + f" target {fmt.format(target)}",
                  delta_color="normal" if met else "inverse", delta_arrow="off", help=why, width=KPI_WIDTH)

    # A row that wraps: two figures a line on a phone instead of five screens of one.
    with st.container(horizontal=True, key="kpis"):
        st.metric("Lookups", f"{summary['lookups']:,}", width=KPI_WIDTH)
        kpi("Average time", summary.get("avg_elapsed_s"), TARGETS["avg_elapsed_s"], "{:.2f} s", True,
            "From pressing Analyze to every market's answer.")
        kpi("Market failures", summary.get("market_failure_rate"), TARGETS["market_failure_rate"], "{:.0%}", True,
            "Market answers that failed (errors, time-outs, refused keys). A shoe or size a market does not list is not "
            "a failure.")
        kpi("Rate-limited", summary.get("rate_limit_rate"), TARGETS["rate_limit_rate"], "{:.1%}", True,
            "Calls a market answered with 429 (too many requests), per call sent.")
        kpi("From the cache", summary.get("cache_hit_rate"), TARGETS["cache_hit_rate"], "{:.0%}", False,
            "Answers served from the local cache instead of the markets.")
    p95 = summary.get("p95_elapsed_s")
    st.caption(f"Market answers: {summary.get('market_failures', 0):,} failed, {summary.get('not_found', 0):,} did not "
               f"find the shoe, {summary.get('size_not_offered', 0):,} lacked the size. Slowest 5% of lookups took "
               f"{p95:.2f} s or more; {summary.get('calls', 0):,} calls sent, {summary.get('cache_hits', 0):,} answers "
               f"from the cache, {summary.get('retries', 0):,} retries." if p95 is not None else "")

    recent["When"] = pd.to_datetime(recent["ts"], unit="s", utc=True).dt.tz_convert(zone)
    recent = recent.sort_values("id").reset_index(drop=True)
    recent["lookup"] = recent.index + 1
    recent["Calls"] = recent["mode"].map({"parallel": "parallel", "sequential": "one after another"}).fillna(recent["mode"])
    left, right = st.columns(2)
    with left:
        st.markdown("##### Time per lookup")
        timed = recent.assign(served=recent["calls"].eq(0).map({True: "from the cache", False: "from the markets"}))
        figure = px.box(timed, x="Calls", y="elapsed_s", color="served", points="all",
                        color_discrete_map={"from the cache": "#0a7d3b", "from the markets": "#3b5bdb"},
                        labels={"elapsed_s": "seconds", "Calls": "", "served": ""})
        figure.add_hline(y=TARGETS["avg_elapsed_s"], line_dash="dot", annotation_text="target 4 s",
                         annotation_position="top left")
        st.plotly_chart(charts.legend_below(figure), width="stretch", config=charts.CHART_CONFIG)
    with right:
        st.markdown("##### Market failures over time")
        window = 10
        trend = recent.assign(rate=recent["market_failures"].fillna(0).gt(0).rolling(window, min_periods=1).mean())
        figure = px.line(trend.assign(query=trend["query"].map(html.escape)), x="When", y="rate", hover_data=["query"],
                         labels={"rate": f"share failing, last {window}", "When": f"time ({zone_name})"})
        figure.add_hline(y=TARGETS["market_failure_rate"], line_dash="dot", annotation_text="target 10%",
                         annotation_position="top left")
        figure.update_layout(yaxis_tickformat=".0%", yaxis_range=[0, 1.05], xaxis_nticks=4, xaxis_tickformat="%H:%M")
        st.plotly_chart(charts.legend_below(figure), width="stretch", config=charts.CHART_CONFIG)

    st.markdown("##### Where each lookup's answers came from")
    counts = recent.assign(query=recent["query"].map(html.escape))
    counts = counts.rename(columns={"cache_hits": "from the cache", "calls": "calls sent", "rate_limited": "rate-limited (429)"})
    figure = px.bar(counts, x="lookup", y=["from the cache", "calls sent", "rate-limited (429)"], hover_data=["query"],
                    color_discrete_map={"from the cache": "#0a7d3b", "calls sent": "#adb5bd", "rate-limited (429)": "#e03131"},
                    labels={"lookup": "lookup number", "value": "answers", "variable": ""})
    figure.update_layout(bargap=0.15)
    st.plotly_chart(charts.legend_below(figure), width="stretch", config=charts.CHART_CONFIG)

    by_market = pd.DataFrame(summary.get("by_market") or {}).T
    if not by_market.empty:
        st.markdown("##### By market")
        shown = by_market[[c for c in MARKET_COLUMNS if c in by_market.columns]].rename(columns=MARKET_COLUMNS)
        shown.insert(0, "Market", [label(str(m)) for m in by_market.index])
        seconds = st.column_config.NumberColumn(format="%.2f s")
        st.dataframe(shown.astype(object).where(shown.notna(), views.DASH), hide_index=True, width="stretch", column_config={
            "From the cache": st.column_config.NumberColumn(format="percent"), "Average time": seconds,
            "Slowest 5% from": seconds,
            "Market failures": st.column_config.NumberColumn(help="Errors, time-outs and refusals; not 'not found' or 'no such size'"),
        })

    st.markdown("##### Recent lookups")
    newest = recent.sort_values("id", ascending=False).head(50)
    table = pd.DataFrame({
        f"Time ({zone_name})": newest["When"].dt.strftime("%d %b %H:%M:%S"),
        "Shoe": newest["query"], "Size": [label if isinstance(label, str) and label else f"US {size:g}"
                 for label, size in zip(newest.get("size_label", pd.Series(None, index=newest.index)), newest["size"], strict=True)],
        "Result": newest.apply(outcome, axis=1), "Seconds": newest["elapsed_s"], "Calls sent": newest["calls"],
        "From the cache": newest["cache_hits"], "Rate-limited (429)": newest["rate_limited"], "Calls": newest["Calls"],
        "Data": newest["source"],
        **{f"{label(m)} said": newest.get(f"{m}_error", pd.Series(index=newest.index, dtype=object)).fillna(views.DASH)
           for m in NAMES},
    })
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "Seconds": st.column_config.NumberColumn(format="%.2f"),
        "Result": st.column_config.TextColumn(help="quoted · not found · no such size · a market failed (its message is below)"),
        **{f"{m.label} said": st.column_config.TextColumn(
            width="large", help=f"{m.label}'s message when it gave no quote; — when it quoted") for m in MARKETS},
    })

    said = newest.melt(id_vars=["When"], value_vars=[c for c in ("stockx_error", "alias_error") if c in newest.columns])
    said = said.dropna(subset=["value"]).drop_duplicates(subset=["value"]).head(8)
    if not said.empty:
        with st.expander("What the markets said, most recent first"):
            for _, row in said.iterrows():
                st.markdown(f"- {row['When'].strftime('%d %b %H:%M')}: {controls.plain(row['value'])}")

if controls.confirm("Clear figures", "clear_metrics", "Delete the record of your lookups? The figures above start again "
                  "from zero; nobody else's go.", icon=":material/delete:"):
    store.clear(owner=owner)
    st.rerun()

st.divider()
st.subheader("The key's day")
day_rows = []
for market in controls.opened().analyzer.markets:
    day = market.http.day()  # None: the market has no daily budget
    if day is not None:
        day_rows.append({"Market": market.label, "Spent (24 h)": day["spent"], "Left": day["left"],
                         "Callable now": day["available_now"],
                         **{purpose.capitalize(): n for purpose, n in day["by_purpose"].items()},
                         f"Whole again ({zone_name})": local(pd.Timestamp(day["resets_at"]).timestamp()),
                         "Budget": day["daily_budget"]})
if day_rows:
    st.dataframe(pd.DataFrame(day_rows), hide_index=True, width="stretch", key="day_table")
    st.caption(f"Each market's calls on this API key over the last 24 hours, by what spent them. "
               f"{round(100 * controls.settings().interactive_share)}% of each day is kept for lookups; the watch worker, "
               "portfolio refreshes and listings spend the rest. A call the day cannot pay for fails at once with the time of "
               "the next one. " + ("Every replica spends this one day (Redis)." if controls.settings().redis_url
                                   else "This is this process's own count (no REDIS_URL)."))
else:
    st.caption("No market here has a daily budget (STOCKX_DAILY_BUDGET, ALIAS_DAILY_BUDGET).")

st.divider()
st.subheader("Benchmark")
st.caption("Lookups one after another, in parallel and from the cache, side by side on a sandbox of its own with a fixed "
           "delay per call and the published rate limits, against the fastest possible. It never touches your figures or cache.")
with st.container(horizontal=True, vertical_alignment="bottom"):
    st.number_input("Shoes in the batch", 1, 33, value=6, key="bench_shoes", width=170)
    st.number_input("Delay per call (ms)", 10, 1000, value=250, step=10, key="bench_latency", width=170)
    run_it = st.button("Run benchmark", key="run_bench", icon=":material/timer:")

data_dir = controls.settings().data_dir
if run_it:
    shoes, latency = int(st.session_state["bench_shoes"]), float(st.session_state["bench_latency"])
    result = live.run_live(
        "Benchmarking…",
        lambda progress: bench.run_bench(shoes, latency, rounds=3,
                                         progress=lambda message, fraction: progress(ProgressEvent("", "bench", message, fraction))),
        summary=lambda r: (f"Benchmark done in {r['total_s']} s", "complete" if r["success_rate"] == 1.0 else "error"),
        log=lambda event: event.message != "done", starts=True,
    )
    result.setdefault("ran_at", datetime.now(UTC).isoformat(timespec="seconds"))
    bench.save(result, data_dir)
last = bench.load_last(data_dir)
if last:
    w, setting = last["workloads"], last.get("settings") or {}
    ran_at = last.get("ran_at")
    if ran_at:
        when = local(parse_time(ran_at).timestamp())
    else:
        path = Path(data_dir) / bench.RESULT_FILE
        when = local(path.stat().st_mtime) if path.exists() else views.DASH
    shoes = int(setting.get("shoes", 0))
    st.caption(f"Last run {when} ({zone_name}): {shoes} shoe{'s' if shoes != 1 else ''} in the batch, "
               f"{setting.get('latency_ms', 0):g} ms delay per call, {setting.get('rounds', 0)} rounds of each timing.")
    with st.container(horizontal=True, key="bench_figures"):
        st.metric("Every market at once", f"{last['parallel_vs_sequential']:.0%} of the time",
                  help="One pair, nothing in the cache: asking StockX and Alias at the same time takes this share of the "
                       "time asking them one after the other takes. Lower is better.", width=KPI_WIDTH)
        st.metric("A batch vs the fastest possible", f"{last['batch_ratio_to_bound']:.2f}× the fastest",
                  help=f"The fastest possible for this batch is {w['batch_cold']['bound_s']:.1f} s: each market lets one key "
                       "make a burst of calls, then a few a second (its published rate limit), so no tool can be quicker. "
                       "1.00× would be exactly that fast.", width=KPI_WIDTH)
        st.metric("A repeat, from the cache", f"{last['cached_p95_ms']:.0f} ms",
                  help=f"Looking up a pair again within minutes: answered from the cache, no market asked. Typical "
                       f"{last['cached_p50_ms']:.0f} ms; this is the slowest 5%.", width=KPI_WIDTH)
        st.metric("Answered; turned away", f"{last['success_rate']:.0%}; {last['rate_limited']}",
                  help="The share of lookups that got an answer, and how many calls a market turned away for coming too "
                       "fast (HTTP 429).", width=KPI_WIDTH)
    st.plotly_chart(charts.bench_chart(last), width="stretch", config=charts.CHART_CONFIG)
    st.dataframe(views.bench_frame(last), hide_index=True, width="stretch", column_config={
        "Answered": st.column_config.NumberColumn(format="percent"), "Seconds": st.column_config.NumberColumn(format="%.2f")})
    design = w["design_test"]
    st.caption(f"When the tool was first tested, 5 shoes took {bench.DESIGN['sequential_s']} s one after another and "
               f"{bench.DESIGN['parallel_s']} s in parallel ({bench.DESIGN['improvement_pct']}% faster, "
               f"{bench.DESIGN['success_rate']:.0%} answered). Here: {design['sequential']['wall_s']:.2f} s and "
               f"{design['parallel']['wall_s']:.2f} s ({design['improvement_pct']}% faster, "
               f"{design['parallel']['success_rate']:.0%} answered), within the published limits.")
