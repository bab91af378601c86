"""eBay's Buy Browse API: fixed-price new sneakers (category 15709) by style ID, the asked size through
the US shoe size aspect, with or without the Authenticity Guarantee; OAuth client credentials.

A lookup is two round trips, as on the other markets: the search (the style ID, or the words, finds
listings grouped by the style ID in their titles) and the asked size's offers, cheapest first. The
application token is asked for once in its lifetime (the token endpoint allows about 1,000 calls a
day) and kept in the shared state, so every replica on the same keys uses it."""

from __future__ import annotations

import base64
import contextlib
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import redis
import requests

from analyzer.config import Settings
from analyzer.domain.errors import AuthRefused, BadAnswer, NotConfigured
from analyzer.domain.matching import looks_like_style_id, normalise_style_id
from analyzer.domain.models import CallStats, Product, Sale, SizePrice, SizeRun
from analyzer.domain.sizes import main_scale, scale_of_title
from analyzer.markets.base import Call, Gather, HttpMarket, amount, is_dict_with, size_number, text
from analyzer.markets.ebay_spec import SPEC
from analyzer.net.shared_state import key_id, switch_for

CATEGORY = "15709"
SCOPE = "https://api.ebay.com/oauth/api_scope"
PAGE = 50
PAGE_MAX = 200
OFFERS_SHOWN = 5
TOKEN_MARGIN_S = 60.0
SIZE_ASPECTS = {"M": "US Shoe Size", "W": "US Shoe Size", "Y": "US Shoe Size (Youth)", "C": "US Shoe Size (Baby & Toddler)"}
_STYLE_TOKEN = re.compile(r"\b[A-Z0-9]{5,10}(?:-[A-Z0-9]{3})?\b")
# Listings that carry a shoe's style ID but are not a pair to buy: a sample, a box, laces, insoles.
_NOT_A_PAIR = re.compile(r"\b(?:samples?|only|empty box|no shoes|replica|insoles?|laces)\b", re.IGNORECASE)
_SIZE_IN_TITLE = re.compile(r"\b(?:size|sz|us)\s*:?\s*(\d{1,2}(?:\.5)?)\s*([MWYC])?\b", re.IGNORECASE)
_WOMEN = re.compile(r"\((?:W|WMNS)\)|\bwomen'?s\b|\bwmns\b", re.IGNORECASE)


class EbayAuth:
    """An application token by the client-credentials grant, kept for its lifetime here and in the
    shared state (LocalState or Redis), so three lookups, or three replicas, make one token call."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._id, self._secret = settings.text("ebay_client_id"), settings.text("ebay_client_secret")
        self._url = f"{str(settings.value('ebay_base_url')).rstrip('/')}/identity/v1/oauth2/token"
        self._key = f"ebay-token:{key_id(self._url)}:{key_id(self._id)}:{key_id(self._secret)}"
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._current()}",
                "X-EBAY-C-MARKETPLACE-ID": str(self._settings.value("ebay_marketplace"))}

    def refresh(self) -> bool:
        """After a 401: a new token, shared at once."""
        with self._lock:
            self._token = None
            self._fetch()
        return True

    def _current(self) -> str:
        kept = self._token
        if kept is not None and kept[1] > time.time():
            return kept[0]
        with self._lock:
            if self._token is not None and self._token[1] > time.time():
                return self._token[0]
            shared = self._shared_value()
            if shared:
                self._token = (shared, time.time() + TOKEN_MARGIN_S)  # look again in a minute
                return shared
            return self._fetch()

    def _shared_value(self) -> str | None:
        try:
            return switch_for(self._settings.redis_url).current()[1].value(self._key)
        except redis.RedisError:
            return None

    def _fetch(self) -> str:
        if not (self._id and self._secret):
            raise NotConfigured("eBay is not configured: set EBAY_CLIENT_ID and EBAY_CLIENT_SECRET.")
        basic = base64.b64encode(f"{self._id}:{self._secret}".encode()).decode()
        try:
            response = requests.post(self._url, data={"grant_type": "client_credentials", "scope": SCOPE},
                                     headers={"Authorization": f"Basic {basic}"}, timeout=self._settings.http_timeout_s)
            body = response.json() if response.ok else {}
        except (requests.RequestException, ValueError):
            body = {}
        token, lifetime = body.get("access_token") if isinstance(body, dict) else None, body.get("expires_in", 0)
        if not isinstance(token, str) or not token:
            raise AuthRefused("eBay refused the application keys")
        ttl = max(1.0, float(lifetime or 0) - TOKEN_MARGIN_S)
        self._token = (token, time.time() + ttl)
        with contextlib.suppress(redis.RedisError):  # this process keeps it; the others ask for their own
            switch_for(self._settings.redis_url).current()[1].keep(self._key, token, ttl)
        return token


def style_ids_in(title: str) -> tuple[str, ...]:
    """The style IDs a listing's title carries ('Nike Dunk Low Panda DD1391-100 Size 10' -> DD1391-100)."""
    return tuple(dict.fromkeys(t for t in _STYLE_TOKEN.findall(title) if looks_like_style_id(t)))


def is_pair(item: dict[str, Any]) -> bool:
    return not _NOT_A_PAIR.search(str(item.get("title") or ""))


def title_scale(title: str) -> str:
    return scale_of_title(title) or ("W" if _WOMEN.search(title) else "M")


def items_of(data: Any) -> list[dict[str, Any]]:
    """The item summaries of a search page (absent when nothing matched, as eBay writes it)."""
    if not is_search_page(data):
        raise BadAnswer("bad answer from eBay")
    return [i for i in data.get("itemSummaries") or [] if isinstance(i, dict) and is_dict_with(i, "itemId", "title", "price")]


def is_search_page(data: Any) -> bool:
    return isinstance(data, dict) and "total" in data and isinstance(data.get("itemSummaries", []), list)


def title_size(title: str, scale: str) -> tuple[float, str] | None:
    """The size a listing's title names ('Size 10', 'Size 2Y'), in its own scale (the letter, else the shoe's)."""
    found = _SIZE_IN_TITLE.search(title)
    value = size_number(found.group(1)) if found else None
    return None if value is None or found is None else (value, (found.group(2) or scale).upper())


def parse_products(data: Any, query: str = "") -> list[Product]:
    """One product per style ID the listings' titles carry, first seen first; samples and parts left
    out. The product the query names by its style ID carries the sizes its listings name (a search by
    style ID lists that shoe first and whole); the others none, since a search by words lists a part."""
    grouped: dict[str, tuple[Product, dict[float, str]]] = {}
    for item in items_of(data):
        title = str(item["title"])
        styles = style_ids_in(title)
        if not is_pair(item) or not styles:
            continue
        key = normalise_style_id(styles[0])
        if key not in grouped:
            name = _SIZE_IN_TITLE.split(title)[0].strip() or title
            grouped[key] = (Product(market=SPEC.name, product_id=styles[0], title=name, style_ids=styles, scale=title_scale(title),
                                    url=text(item.get("itemWebUrl")), product_type="sneakers"), {})
        product, sizes = grouped[key]
        if (size := title_size(title, product.scale or "M")) is not None:
            sizes.setdefault(*size)
    named = normalise_style_id(query)
    return [replace(p, size_values=tuple(sorted(sizes)), size_scales=tuple(sorted(sizes.items())))
            if named in {normalise_style_id(x) for x in p.style_ids} else p for p, sizes in grouped.values()]


def _shipping(item: dict[str, Any]) -> float | None:
    """The cheapest stated shipping (0.0 free); None when the listing states none (calculated at checkout)."""
    costs = [o.get("shippingCost") for o in item.get("shippingOptions") or [] if isinstance(o, dict)]
    values = [0.0 if str(c.get("value")) in ("0", "0.0", "0.00") else amount(c.get("value")) for c in costs if isinstance(c, dict)]
    known = [v for v in values if v is not None]
    return min(known) if known else None


def offer(item: dict[str, Any]) -> dict[str, Any] | None:
    price = amount(item["price"].get("value")) if isinstance(item.get("price"), dict) else None
    if price is None:
        return None
    seller = item.get("seller") if isinstance(item.get("seller"), dict) else {}
    shipping = _shipping(item)
    return {"price": price, "shipping": shipping, "total": round(price + shipping, 2) if shipping is not None else None,
            "currency": text(item["price"].get("currency")) or "USD", "seller": text(seller.get("username")),
            "feedback_pct": amount(seller.get("feedbackPercentage")), "feedback_score": seller.get("feedbackScore"),
            "authenticity_guarantee": "AUTHENTICITY_GUARANTEE" in (item.get("qualifiedPrograms") or []),
            "url": text(item.get("itemWebUrl")), "item_id": text(item.get("itemId"))}


def size_book(size: float, scale: str, items: Sequence[dict[str, Any]], total: int | None) -> tuple[SizePrice, str | None]:
    """One size's book from its listings: the lowest ask with and without shipping, how many offers
    there are, the cheapest few; and their currency (listings in another one are left out)."""
    offers = [o for o in (offer(i) for i in items if is_pair(i)) if o is not None]
    currency = offers[0]["currency"] if offers else None
    offers = [o for o in offers if o["currency"] == currency]
    landed = [o["total"] for o in offers if o["total"] is not None]
    offers.sort(key=lambda o: (o["total"] if o["total"] is not None else o["price"], o["price"]))
    details = {"lowest_ask_with_shipping": min(landed) if landed else None,
               "offers_count": total if total is not None else len(offers), "offers": offers[:OFFERS_SHOWN]}
    return SizePrice(size=size, scale=scale, lowest_ask=min((o["price"] for o in offers), default=None), details=details), currency


def parse_size_run(data: Any, product: Product, size: float | None) -> tuple[SizeRun, str | None]:
    """The asked size's book (the call had the size aspect) or, without a size, every size's book by the
    size its titles name; beside them, the other sizes the search saw listed, with no book."""
    items = items_of(data)
    scales = dict(product.size_scales)
    scale = product.scale or "M"
    if size is not None:
        total = data.get("total") if isinstance(data.get("total"), int) else None
        found = [size_book(size, scales.get(size, scale), items, total)]
    else:
        by_size: dict[tuple[float, str], list[dict[str, Any]]] = {}
        for item in items:
            if (named := title_size(str(item["title"]), scale)) is not None:
                by_size.setdefault(named, []).append(item)
        found = [size_book(value, letter, rows, None) for (value, letter), rows in sorted(by_size.items())]
    currencies = [c for _, c in found if c]
    return _run([b for b, _ in found], product), (currencies[0] if currencies else None)


def _run(books: list[SizePrice], product: Product) -> SizeRun:
    """The books, and every other size the search saw listed (no book: no offer matched the filters)."""
    have = {b.size for b in books}
    sizes = books + [SizePrice(size=v, scale=letter) for v, letter in product.size_scales if v not in have]
    sizes.sort(key=lambda s: s.size)
    return SizeRun(scale=main_scale(sizes, product.scale or "M"), sizes=sizes)


class Ebay(HttpMarket):
    name = SPEC.name
    label = SPEC.label
    steps = ("search", "listings")
    volatile_urls = ("*/item_summary/search*sort=price*",)
    has_size_chart = False

    def __init__(self, http: Any, authenticity: bool = True) -> None:
        super().__init__(http)
        self.authenticity = authenticity

    @classmethod
    def from_settings(cls, settings: Settings) -> Ebay:
        market = super().from_settings(settings)
        market.authenticity = str(settings.value("ebay_authenticity")).strip().lower() not in ("0", "false", "no", "")
        return market

    @classmethod
    def base_url(cls, settings: Settings) -> str:
        return f"{str(settings.value('ebay_base_url')).rstrip('/')}/buy/browse/v1"

    @classmethod
    def auth(cls, settings: Settings) -> EbayAuth:
        return EbayAuth(settings)

    def _filter(self) -> str:
        parts = ["buyingOptions:{FIXED_PRICE}", "conditionIds:{1000}"]
        return ",".join(parts + (["qualifiedPrograms:{AUTHENTICITY_GUARANTEE}"] if self.authenticity else []))

    def _search(self, query: str, stats: CallStats, **extra: Any) -> Any:
        params = {"q": query, "category_ids": CATEGORY, "limit": PAGE, **extra}
        return self.http.get_answer("/item_summary/search", params, stats, is_search_page)

    def search(self, query: str, stats: CallStats) -> list[Product]:
        """The shoes listed under the query and the sizes they are listed in, whatever their offers (the
        size's offers are filtered next)."""
        return parse_products(self._search(query, stats, limit=PAGE_MAX).data, query)

    def size_run(self, product: Product, stats: CallStats, gather: Gather, size: float | None = None) -> SizeRun:
        """One round trip: the asked size's offers (with the size aspect), or every size's (without a
        size); and, when the product came from a search by words, the sizes its style ID is listed in."""
        style = product.style_ids[0]
        extra: dict[str, Any] = {"filter": self._filter(), "sort": "price"}
        scales = dict(product.size_scales)
        if size is None:
            extra["limit"] = PAGE_MAX  # every size's offers: the sizes are read from the titles
        elif scales and size not in scales:  # not listed in this size at all: no call, the resolver says which sizes are
            return _run([], product)
        else:
            aspect = SIZE_ASPECTS.get(scales.get(size, product.scale or "M"), SIZE_ASPECTS["M"])
            extra["aspect_filter"] = f"categoryId:{CATEGORY},{aspect}:{{{size:g}}}"
        calls = [Call("listings", "asks with shipping", lambda: self._search(style, stats, **extra))]
        if not scales:
            calls.append(Call("sizes", "sizes listed", lambda: self._search(style, stats, limit=PAGE_MAX)))
        answers = gather(calls)
        if not scales:
            listed = next((p for p in parse_products(answers[1].data, style) if p.size_scales), None)
            product = replace(product, size_scales=listed.size_scales) if listed else product
        run, currency = parse_size_run(answers[0].data, product, size)
        asked = next((b for b in run.sizes if b.size == size and b.details), None)
        if asked is not None and not scales and not asked.details["offers_count"] and size not in dict(product.size_scales):
            run = _run([], product)  # no offer, and not a size the shoe is listed in
        run.currency = currency or "USD"
        run.fresh, run.quoted_at = answers[0].fresh, answers[0].at
        return run

    def recent_sales(self, product: Product, size: float, stats: CallStats) -> list[Sale]:
        return []  # sold prices need the Marketplace Insights API (approval only)
