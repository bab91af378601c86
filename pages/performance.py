"""Performance: is the tool fast and healthy? KPIs against the design's targets, and the history."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from analyzer import bench
from analyzer.metrics import MetricsStore
from analyzer.models import ProgressEvent
from pages import common, views

TARGETS = {"avg_elapsed_s": 4.0, "success_rate": 0.90, "rate_limit_rate": 0.05, "cache_hit_rate": 0.60}

st.title("Performance")
common.sandbox_badge()
store: MetricsStore = common.opened().analyzer.metrics  # type: ignore[assignment]

summary = store.summary()
recent = pd.DataFrame(store.recent(500))

if not summary["lookups"]:
    st.info("No lookups recorded yet. Price a pair or compare a few, and the figures show here.", icon=":material/info:")
else:
    def kpi(column, title: str, value: float | None, target: float, fmt: str, lower_is_better: bool) -> None:
        if value is None:
            column.metric(title, "—")
            return
        met = value < target if lower_is_better else value > target
        column.metric(title, fmt.format(value), delta=("meets" if met else "misses") + f" target {fmt.format(target)}",
                      delta_color="normal" if met else "inverse", delta_arrow="off")

    a, b, c, d, e = st.columns(5)
    a.metric("Lookups", f"{summary['lookups']:,}")
    kpi(b, "Average time", summary["avg_elapsed_s"], TARGETS["avg_elapsed_s"], "{:.2f} s", lower_is_better=True)
    kpi(c, "Success rate", summary["success_rate"], TARGETS["success_rate"], "{:.0%}", lower_is_better=False)
    kpi(d, "Rate-limit hits", summary["rate_limit_rate"], TARGETS["rate_limit_rate"], "{:.1%}", lower_is_better=True)
    kpi(e, "Cache hit rate", summary["cache_hit_rate"], TARGETS["cache_hit_rate"], "{:.0%}", lower_is_better=False)
    st.caption(f"p95 time {summary['p95_elapsed_s']:.2f} s · {summary['calls']:,} calls sent · {summary['cache_hits']:,} answers "
               f"from the cache · {summary['rate_limit_hits']:,} rate-limited (429) · {summary['retries']:,} retries. "
               "Rate-limit hits are 429s per call sent; a lookup succeeds when every market quoted it.")

    recent["time"] = pd.to_datetime(recent["ts"], unit="s")
    recent = recent.sort_values("id").reset_index(drop=True)
    recent["lookup"] = recent.index + 1
    layout = {"height": 320, "margin": {"l": 10, "r": 10, "t": 10, "b": 10}, "legend": {"orientation": "h", "y": -0.2}}
    left, right = st.columns(2)
    with left:
        st.markdown("##### Execution time: parallel vs sequential")
        timed = recent.assign(served=recent["calls"].eq(0).map({True: "from the cache", False: "from the markets"}))
        figure = px.box(timed, x="mode", y="elapsed_s", color="served", points="all",
                        color_discrete_map={"from the cache": "#0a7d3b", "from the markets": "#3b5bdb"},
                        labels={"elapsed_s": "seconds", "mode": "", "served": ""})
        figure.add_hline(y=TARGETS["avg_elapsed_s"], line_dash="dot", annotation_text="target average 4 s")
        figure.update_layout(**layout)
        st.plotly_chart(figure)
    with right:
        st.markdown("##### Success rate over time")
        window = 10
        trend = recent.assign(rate=recent["success"].rolling(window, min_periods=1).mean())
        figure = px.line(trend, x="lookup", y="rate", hover_data=["query", "time"],
                         labels={"rate": f"success, last {window} lookups", "lookup": "lookup #"})
        figure.add_hline(y=TARGETS["success_rate"], line_dash="dot", annotation_text="target 90%")
        figure.update_layout(**layout, yaxis_tickformat=".0%", yaxis_range=[0, 1.05])
        st.plotly_chart(figure)

    st.markdown("##### Where each lookup's answers came from")
    counts = recent.rename(columns={"cache_hits": "from the cache", "calls": "calls sent", "rate_limited": "rate-limited (429)"})
    figure = px.bar(counts, x="lookup", y=["from the cache", "calls sent", "rate-limited (429)"], hover_data=["query", "mode"],
                    color_discrete_map={"from the cache": "#0a7d3b", "calls sent": "#adb5bd", "rate-limited (429)": "#e03131"},
                    labels={"lookup": "lookup #", "value": "answers", "variable": ""})
    figure.update_layout(**layout, bargap=0.15)
    st.plotly_chart(figure)

    by_market = pd.DataFrame(summary["by_market"]).T
    if not by_market.empty:
        st.markdown("##### By market")
        percent = st.column_config.NumberColumn(format="percent")
        seconds = st.column_config.NumberColumn(format="%.2f s")
        st.dataframe(by_market[["lookups", "success_rate", "avg_elapsed_s", "p95_elapsed_s", "calls", "cache_hit_rate",
                                "rate_limit_hits", "retries"]], width="stretch", column_config={
            "success_rate": percent, "cache_hit_rate": percent, "avg_elapsed_s": seconds, "p95_elapsed_s": seconds})

    st.markdown("##### Recent lookups")
    shown = recent.sort_values("time", ascending=False).head(50)
    columns = [c for c in ["time", "query", "size", "mode", "source", "success", "elapsed_s", "calls", "cache_hits",
                           "rate_limited", "retries", "stockx_error", "alias_error"] if c in shown.columns]
    st.dataframe(shown[columns], hide_index=True, width="stretch", column_config={
        "elapsed_s": st.column_config.NumberColumn("seconds", format="%.2f"),
        "success": st.column_config.CheckboxColumn("every market"),
    })

if st.button("Clear metrics", key="clear_metrics", icon=":material/delete:"):
    store.clear()
    st.rerun()

st.divider()
st.subheader("Benchmark")
st.caption("Sequential, parallel and cached lookups side by side on a sandbox of its own, with a fixed latency and the "
           "published rate limits, against the physical lower bound. It never touches your metrics or cache.")
with st.form("bench_form", border=False):
    left, middle, right = st.columns([1, 1, 1], vertical_alignment="bottom")
    left.number_input("Shoes in the batch", 1, 33, value=6, key="bench_shoes")
    middle.number_input("Latency per call (ms)", 10, 1000, value=250, step=10, key="bench_latency")
    run_it = right.form_submit_button("Run benchmark", key="run_bench", icon=":material/timer:", width="stretch")

data_dir = common.settings().data_dir
if run_it:
    shoes, latency = int(st.session_state["bench_shoes"]), float(st.session_state["bench_latency"])
    result = common.run_live(
        "Benchmarking…",
        lambda progress: bench.run_bench(shoes, latency, rounds=3,
                                         progress=lambda message, fraction: progress(ProgressEvent("", "bench", message, fraction))),
        summary=lambda r: (f"Benchmark done in {r['total_s']} s", "complete" if r["success_rate"] == 1.0 else "error"),
    )
    bench.save(result, data_dir)
last = bench.load_last(data_dir)
if last:
    w = last["workloads"]
    a, b, c, d = st.columns(4)
    a.metric("Parallel / sequential, one shoe", f"{last['parallel_vs_sequential']:.2f}", help="bound 0.40 (2 round trips of 5)")
    b.metric("Batch / lower bound", f"{last['batch_ratio_to_bound']:.2f}", help=f"bound {w['batch_cold']['bound_s']:.1f} s")
    c.metric("Cached p95", f"{last['cached_p95_ms']:.0f} ms", help=f"p50 {last['cached_p50_ms']:.0f} ms, zero calls")
    d.metric("Success, 429s", f"{last['success_rate']:.0%}, {last['rate_limited']}")
    st.plotly_chart(views.bench_chart(last))
    st.dataframe(views.bench_frame(last), hide_index=True, column_config={
        "success": st.column_config.NumberColumn(format="percent"), "wall (s)": st.column_config.NumberColumn(format="%.2f")})
    design = w["design_test"]
    st.caption(f"The design measured 5 shoes at {bench.DESIGN['sequential_s']} s sequential and {bench.DESIGN['parallel_s']} s "
               f"parallel ({bench.DESIGN['improvement_pct']}% faster, {bench.DESIGN['success_rate']:.0%} success). Here: "
               f"{design['sequential']['wall_s']:.2f} s and {design['parallel']['wall_s']:.2f} s "
               f"({design['improvement_pct']}% faster, {design['parallel']['success_rate']:.0%} success) at "
               f"{last['settings']['latency_ms']:g} ms a call, within the published limits. Settings: {last['settings']}.")
