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
        rows.append({
            "Shoe": (r["product"] or {}).get("title") or r["query"],
            "Style ID": (r["product"] or {}).get("style_id"),
            "StockX ask": q["stockx"]["lowest_ask"], "StockX bid": q["stockx"]["highest_bid"],
            "Alias ask": q["alias"]["lowest_ask"], "Alias bid": q["alias"]["highest_bid"],
            "StockX sell now pays": pays["stockx"]["sell_now"], "Alias sell now pays": pays["alias"]["sell_now"],
            "Best sell now": f"{label(best_now['market'])}" if best_now else None,
            "Best payout": best_now["payout"] if best_now else None,
            "Arbitrage profit": pricing["arbitrage"]["profit"] if pricing["arbitrage"] else None,
            "StockX page": q["stockx"]["url"], "Alias page": q["alias"]["url"],
            "Errors": "; ".join(x["error"] for x in q.values() if x["error"]) or None,
            "Time (s)": r["elapsed_s"],
        })
    return pd.DataFrame(rows)


def compare_chart(frame: pd.DataFrame) -> go.Figure:
    figure = go.Figure()
    series = [("StockX ask", "#0a7d3b"), ("Alias ask", "#3b5bdb"), ("StockX bid", "#7fd1a0"), ("Alias bid", "#a5b4fc"),
              ("Best payout", "#e8590c")]
    for column, colour in series:
        figure.add_trace(go.Bar(x=frame["Shoe"], y=frame[column], name=column, marker_color=colour))
    figure.update_layout(barmode="group", height=420, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                         yaxis_title="USD", yaxis_tickprefix="$", legend={"orientation": "h", "y": -0.35})
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
