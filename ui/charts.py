"""Charts of lookup results, laid out to read at 390 px: legends under the plot, short tick labels,
no mode bar. Pure functions of frames built by ui/views.py."""

from __future__ import annotations

import functools
import html
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import pandas as pd
import plotly.graph_objects as go

from analyzer.domain.money import SYMBOLS, format_money
from analyzer.markets.registry import MARKETS, label

ASK_BID_COLOURS = {m.name: m.colours for m in MARKETS}
# Plotly's toolbar covers the legend and the size marker on a phone; zooming is not needed here.
CHART_CONFIG: dict[str, Any] = {"displayModeBar": False, "responsive": True}
# A figure is built once per answer (and display currency, fees, time zone: whatever its arguments are) and
# reused by every rerun and every session that shows it: building plotly figures was a fifth of a view's
# CPU (issue 24). Figures are never changed once built, so one object is shared; st.plotly_chart copies it.
# Keyed by the arguments' JSON: st.cache_resource's hash of a small frame cost three times a frame's JSON.
FIGURES_KEPT = 512
F = TypeVar("F", bound=Callable[..., go.Figure])


def _key_part(value: Any) -> Any:
    if isinstance(value, pd.DataFrame):
        return ["frame", value.to_json(orient="split", date_format="iso")]
    return value


def reused(build: F) -> F:
    kept: OrderedDict[str, go.Figure] = OrderedDict()
    lock = threading.Lock()

    @functools.wraps(build)
    def figure(*args: Any, **kwargs: Any) -> go.Figure:
        key = json.dumps([build.__name__, [_key_part(a) for a in args], {k: _key_part(v) for k, v in kwargs.items()}],
                         sort_keys=True, default=str)
        with lock:
            if key in kept:
                kept.move_to_end(key)
                return kept[key]
        made = build(*args, **kwargs)
        with lock:
            kept[key] = made
            while len(kept) > FIGURES_KEPT:
                kept.popitem(last=False)
        return made

    return figure  # type: ignore[return-value]


_LEGEND_BELOW = {"orientation": "h", "yanchor": "top", "y": -0.22, "x": 0, "xanchor": "left"}


@reused
def size_run_chart(frame: pd.DataFrame, chosen: float | None, chosen_label: str, currency: str) -> go.Figure:
    figure = go.Figure()
    for market, part in frame.groupby("market", sort=False):
        ask_colour, bid_colour = ASK_BID_COLOURS.get(str(market), ("#444", "#999"))
        part = part.sort_values("size")
        figure.add_trace(go.Scatter(x=part["size"], y=part["lowest_ask"], name=f"{label(str(market))} ask",
                                    mode="lines+markers", line={"color": ask_colour}, connectgaps=False))
        figure.add_trace(go.Scatter(x=part["size"], y=part["highest_bid"], name=f"{label(str(market))} bid",
                                    mode="lines+markers", line={"color": bid_colour, "dash": "dot"}, connectgaps=False))
    if chosen is not None:
        figure.add_vline(x=chosen, line={"color": "#e8590c", "width": 2, "dash": "dash"})
        figure.add_annotation(x=chosen, y=1, yref="paper", yanchor="bottom", text=chosen_label, showarrow=False,
                              font={"color": "#e8590c"})
    figure.update_layout(height=340, margin={"l": 8, "r": 8, "t": 28, "b": 8}, hovermode="x unified",
                         xaxis={"title": None, "dtick": 1, "automargin": True},
                         yaxis={"title": None, "tickformat": ",.0f", "automargin": True, "nticks": 6},
                         legend=_LEGEND_BELOW)
    figure.update_yaxes(ticksuffix=f" {currency}" if currency not in SYMBOLS else "", tickprefix=SYMBOLS.get(currency, ""))
    return figure


@reused
def sales_chart(frame: pd.DataFrame, currency: str, timezone: str | None = None) -> go.Figure:
    """Sale price over time, in the reader's time zone when it is known."""
    when = frame["at"].dt.tz_convert(timezone) if timezone else frame["at"]
    kinds = frame["consigned"].map({True: "consigned", False: "not consigned"}).fillna("")
    colours = frame["consigned"].map({True: "#0a7d3b", False: "#3b5bdb"}).fillna("#868e96")
    figure = go.Figure(go.Scatter(x=when, y=frame["price"], mode="lines+markers", line={"color": "#adb5bd"},
                                  marker={"color": list(colours), "size": 8}, customdata=list(kinds),
                                  hovertemplate="%{x|%b %d %H:%M}: %{y:,.2f} %{customdata}<extra></extra>"))
    return prices_over_time(figure, currency, height=220, legend=False)


# -- History ---------------------------------------------------------------------------------------


@reused
def history_chart(frame: pd.DataFrame, sales: Sequence[Mapping[str, Any]], currency: str,
                  timezone: str | None = None) -> go.Figure:
    """Asks and bids per market over time as lines, sales as dots."""
    figure = go.Figure()
    for (market, kind), part in frame.groupby(["market", "kind"], sort=True):
        when = part["at"].dt.tz_convert(timezone) if timezone else part["at"]
        ask_colour, bid_colour = ASK_BID_COLOURS.get(str(market), ("#444", "#999"))
        name = f"{label(str(market))} {kind}"
        figure.add_trace(go.Scatter(x=when, y=part["amount"], mode="lines+markers", name=name,
                                    line={"color": ask_colour if kind == "ask" else bid_colour,
                                          "dash": "solid" if kind == "ask" else "dot"},
                                    hovertemplate="%{x|%b %d %H:%M}: %{y:,.2f}<extra>" + name + "</extra>"))
    if sales:
        at = pd.to_datetime([s["at"] for s in sales], utc=True, format="ISO8601")
        sold_on = label(str(sales[0].get("market", "alias")))
        figure.add_trace(go.Scatter(x=at.tz_convert(timezone) if timezone else at, y=[s["price"] for s in sales],
                                    mode="markers", name=f"{sold_on} sales", marker={"color": "#495057", "size": 6, "opacity": 0.6},
                                    hovertemplate="%{x|%b %d %H:%M}: sold %{y:,.2f}<extra></extra>"))
    return prices_over_time(figure, currency, height=280, legend=True)


def prices_over_time(figure: go.Figure, currency: str, height: int, legend: bool) -> go.Figure:
    """The house layout of a price-over-time chart: dates below, money at the side, legend under it."""
    figure.update_layout(height=height, margin={"l": 8, "r": 8, "t": 8, "b": 8}, showlegend=legend,
                         legend=_LEGEND_BELOW,
                         xaxis={"title": None, "nticks": 4, "tickformat": "%b %d", "automargin": True},
                         yaxis={"title": None, "nticks": 5, "tickformat": ",.0f", "automargin": True,
                                "tickprefix": SYMBOLS.get(currency, ""),
                                "ticksuffix": "" if currency in SYMBOLS else f" {currency}"})
    return figure


@reused
def compare_chart(frame: pd.DataFrame) -> go.Figure:
    """Best payout now per shoe, as horizontal bars: names stay readable at any width."""
    shown = frame.dropna(subset=["Best payout now"]).sort_values("Best payout now")
    # Plotly reads a few HTML tags in labels: marketplace titles go in as text.
    names = [html.escape(n if len(n) <= 28 else n[:27] + "…") for n in shown["Shoe"]]
    currency = str(shown["Currency"].iloc[0]) if len(shown) else "USD"
    figure = go.Figure(go.Bar(
        y=names, x=shown["Best payout now"], orientation="h", marker_color="#0a7d3b",
        text=[f"{format_money(v, c)} · {m}"
              for v, c, m in zip(shown["Best payout now"], shown["Currency"], shown["Sell now on"], strict=True)],
        textposition="auto", hovertext=[html.escape(n) for n in shown["Shoe"]], hoverinfo="text+x"))
    figure.update_layout(height=max(160, 44 * len(shown) + 40), margin={"l": 8, "r": 8, "t": 8, "b": 8}, showlegend=False,
                         xaxis={"title": None, "tickprefix": SYMBOLS.get(currency, ""), "tickformat": ",.0f", "nticks": 5},
                         yaxis={"title": None, "automargin": True})
    return figure


# -- Performance -----------------------------------------------------------------------------------


@reused
def bench_chart(result: Mapping[str, Any]) -> go.Figure:
    """Each timed comparison beside its physical floor."""
    w = result["workloads"]
    single, batch, design = w["single_cold"], w["batch_cold"], w["design_test"]
    groups = ["one shoe", f"{batch['shoes']} shoes", f"{design['shoes']} shoes, first test"]
    figure = go.Figure()
    figure.add_trace(go.Bar(x=groups, y=[single["sequential_median_s"], batch["sequential"]["wall_s"], design["sequential"]["wall_s"]],
                            name="one after another", marker_color="#adb5bd"))
    figure.add_trace(go.Bar(x=groups, y=[single["parallel_median_s"], batch["parallel"]["wall_s"], design["parallel"]["wall_s"]],
                            name="parallel", marker_color="#3b5bdb"))
    figure.add_trace(go.Bar(x=groups[:2], y=[single["latency_floor_s"]["parallel"], batch["bound_s"]], name="lower bound",
                            marker_color="#0a7d3b"))
    figure.update_layout(barmode="group", height=320, margin={"l": 8, "r": 8, "t": 8, "b": 8}, yaxis_title="seconds",
                         legend=_LEGEND_BELOW)
    return figure


def legend_below(figure: go.Figure, height: int = 300) -> go.Figure:
    """The house layout for the performance charts: legend under the plot, tight margins."""
    figure.update_layout(height=height, margin={"l": 8, "r": 8, "t": 8, "b": 8}, legend=_LEGEND_BELOW)
    return figure


@reused
def time_to_sell_chart(frame: pd.DataFrame) -> go.Figure:
    """Payout against days to sell, per market, with each estimate's band; only the asks with an estimate."""
    figure = go.Figure()
    timed = frame.dropna(subset=["days", "payout"])
    for market, rows in timed.groupby("market", sort=False):
        currency = str(rows["currency"].iloc[0])
        colour = ASK_BID_COLOURS.get(str(market), ("#444", "#999"))[0]
        figure.add_trace(go.Scatter(
            x=rows["days"], y=rows["payout"], mode="lines+markers", name=label(str(market)), line={"color": colour},
            error_x={"type": "data", "symmetric": False, "array": (rows["high"] - rows["days"]).fillna(0),
                     "arrayminus": (rows["days"] - rows["low"]).fillna(0), "thickness": 1},
            customdata=list(zip([format_money(a, currency) for a in rows["ask"]], rows["basis"], strict=True)),
            hovertemplate="ask %{customdata[0]}: pays %{y:,.2f}, ~%{x:g} days<br>%{customdata[1]}<extra></extra>"))
    currencies = set(timed["currency"])
    symbol = SYMBOLS.get(currencies.pop(), "") if len(currencies) == 1 else ""
    figure.update_layout(xaxis_title="days to sell (expected, 80 % band)", yaxis_title=f"you get ({symbol})".replace(" ()", ""),
                         margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return legend_below(figure, 300)
