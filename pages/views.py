"""Tables and charts built from lookup results: pure functions of plain data, cached by Streamlit."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from analyzer.report import dollars, label

ASK_BID_COLOURS = {"stockx": ("#0a7d3b", "#7fd1a0"), "alias": ("#3b5bdb", "#a5b4fc")}


def payouts_frame(result: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for market, quote in result["quotes"].items():
        pays = result["pricing"]["payouts"][market]
        rows.append({
            "Market": label(market), "Lowest ask": quote["lowest_ask"], "Highest bid": quote["highest_bid"],
            "Last sale": quote["last_sale"], "Sell now pays": pays["sell_now"], "List pays": pays["list"],
            "Page": quote["url"], "Status": "ok" if quote["ok"] else quote["error"],
        })
    return pd.DataFrame(rows)


def size_run_frame(result: dict[str, Any]) -> pd.DataFrame:
    rows = [{"market": market, "size": s["size"], "lowest_ask": s["lowest_ask"], "highest_bid": s["highest_bid"]}
            for market, quote in result["quotes"].items() for s in quote.get("sizes") or []]
    return pd.DataFrame(rows, columns=["market", "size", "lowest_ask", "highest_bid"])


def size_run_chart(frame: pd.DataFrame, chosen: float) -> go.Figure:
    figure = go.Figure()
    for market, part in frame.groupby("market", sort=False):
        ask_colour, bid_colour = ASK_BID_COLOURS.get(str(market), ("#444", "#999"))
        figure.add_trace(go.Scatter(x=part["size"], y=part["lowest_ask"], name=f"{label(str(market))} ask",
                                    mode="lines+markers", line={"color": ask_colour}, connectgaps=False))
        figure.add_trace(go.Scatter(x=part["size"], y=part["highest_bid"], name=f"{label(str(market))} bid",
                                    mode="lines+markers", line={"color": bid_colour, "dash": "dot"}, connectgaps=False))
    figure.add_vline(x=chosen, line={"color": "#e8590c", "width": 2, "dash": "dash"},
                     annotation_text=f"US {chosen:g}", annotation_position="top")
    figure.update_layout(height=380, margin={"l": 10, "r": 10, "t": 30, "b": 10}, hovermode="x unified",
                         xaxis_title="US size", yaxis_title="USD", yaxis_tickprefix="$",
                         legend={"orientation": "h", "y": -0.2})
    return figure


def compare_frame(results: list[dict[str, Any]]) -> pd.DataFrame:
    rows = []
    for r in results:
        q, pays, pricing = r["quotes"], r["pricing"]["payouts"], r["pricing"]
        best_now = pricing["best_sell_now"]
        errors = " ".join(x["error"] for x in q.values() if x["error"])
        rows.append({
            "Shoe": (r["product"] or {}).get("title") or r["query"],
            "Style ID": (r["product"] or {}).get("style_id"),
            "Status": "quoted" if r["success"] else errors,
            "StockX ask": q["stockx"]["lowest_ask"], "StockX bid": q["stockx"]["highest_bid"],
            "Alias ask": q["alias"]["lowest_ask"], "Alias bid": q["alias"]["highest_bid"],
            "StockX sell now pays": pays["stockx"]["sell_now"], "Alias sell now pays": pays["alias"]["sell_now"],
            "Best sell now": f"{label(best_now['market'])}" if best_now else None,
            "Best payout": best_now["payout"] if best_now else None,
            "Arbitrage profit": pricing["arbitrage"]["profit"] if pricing["arbitrage"] else None,
            "StockX page": q["stockx"]["url"], "Alias page": q["alias"]["url"],
            "Time (s)": r["elapsed_s"],
        })
    return pd.DataFrame(rows)


def compare_chart(frame: pd.DataFrame) -> go.Figure:
    figure = go.Figure()
    series = [("StockX ask", "#0a7d3b"), ("Alias ask", "#3b5bdb"), ("StockX bid", "#7fd1a0"), ("Alias bid", "#a5b4fc"),
              ("Best payout", "#e8590c")]
    names = [name if len(name) <= 26 else name[:25] + "…" for name in frame["Shoe"]]
    for column, colour in series:
        figure.add_trace(go.Bar(x=names, y=frame[column], name=column, marker_color=colour, hovertext=frame["Shoe"]))
    figure.update_layout(barmode="group", height=420, margin={"l": 10, "r": 10, "t": 40, "b": 10}, xaxis_tickangle=0,
                         yaxis_title="USD", yaxis_tickprefix="$", legend={"orientation": "h", "y": 1.12, "x": 0})
    return figure


def decision_cards(pricing: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(title, headline, detail) for where to sell now, list, buy, and any arbitrage."""
    sell, listing, buy, arb = (pricing.get(k) for k in ("best_sell_now", "best_list", "best_buy", "arbitrage"))
    return [
        ("Sell now", f"{label(sell['market'])}: you get {dollars(sell['payout'])}" if sell else "No bids",
         f"highest bid {dollars(sell['price'])}, after fees" if sell else "no market has a bid for this size"),
        ("List", f"{label(listing['market'])}: you get {dollars(listing['payout'])}" if listing else "No asks to match",
         f"selling at the {dollars(listing['price'])} lowest ask" if listing else "no market has an ask for this size"),
        ("Buy", f"{label(buy['market'])} at {dollars(buy['price'])}" if buy else "Nothing for sale",
         "the lowest ask on either market" if buy else "no market has an ask for this size"),
        ("Arbitrage", f"+{dollars(arb['profit'])}" if arb else "None after fees",
         f"buy on {label(arb['buy_on'])} at {dollars(arb['buy_price'])}, sell now on {label(arb['sell_on'])} at "
         f"{dollars(arb['sell_price'])}" if arb else "buying on one market and selling on the other loses money"),
    ]


def bench_frame(result: dict[str, Any]) -> pd.DataFrame:
    """One row per workload run: its wall time, calls, 429s, retries and success."""
    w = result["workloads"]
    runs = [("batch cold, sequential", w["batch_cold"]["sequential"]), ("batch cold, parallel", w["batch_cold"]["parallel"]),
            ("warm catalog", w["warm_catalog"]), ("cached", w["cached"]),
            ("design test, sequential", w["design_test"]["sequential"]), ("design test, parallel", w["design_test"]["parallel"])]
    return pd.DataFrame([{"workload": name, "wall (s)": fig["wall_s"], "lookups": fig["lookups"],
                          "StockX calls": fig["calls"].get("stockx"), "Alias calls": fig["calls"].get("alias"),
                          "429s": fig["rate_limited"], "retries": fig["retries"], "success": fig["success_rate"]}
                         for name, fig in runs])


def bench_chart(result: dict[str, Any]) -> go.Figure:
    """Each timed comparison beside its physical floor."""
    w = result["workloads"]
    single, batch, design = w["single_cold"], w["batch_cold"], w["design_test"]
    groups = ["one shoe, cold", f"{batch['shoes']} shoes at the published limits", f"design test ({design['shoes']} shoes)"]
    figure = go.Figure()
    figure.add_trace(go.Bar(x=groups, y=[single["sequential_median_s"], batch["sequential"]["wall_s"], design["sequential"]["wall_s"]],
                            name="sequential", marker_color="#adb5bd"))
    figure.add_trace(go.Bar(x=groups, y=[single["parallel_median_s"], batch["parallel"]["wall_s"], design["parallel"]["wall_s"]],
                            name="parallel", marker_color="#3b5bdb"))
    figure.add_trace(go.Bar(x=groups[:2], y=[single["latency_floor_s"]["parallel"], batch["bound_s"]], name="lower bound",
                            marker_color="#0a7d3b"))
    figure.update_layout(barmode="group", height=360, margin={"l": 10, "r": 10, "t": 10, "b": 10}, yaxis_title="seconds",
                         legend={"orientation": "h", "y": -0.2})
    return figure
