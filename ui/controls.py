"""What every screen shares: the analyzer (one per process), the sidebar settings, live status and
re-pricing of the results on screen when a setting changes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import streamlit as st

from analyzer.config import ALIAS_CONSIGNED, ALIAS_REGIONS, CURRENCIES, Settings
from analyzer.domain.answer import BUYER_COSTS_NOTE, Recommendation
from analyzer.domain.books import Book, chosen_books
from analyzer.domain.models import LookupResult, Size
from analyzer.domain.owners import LOCAL, OwnerSettings, defaults_from, owner_of
from analyzer.domain.pricing import STOCKX_TRANSACTION_FEES, Fees
from analyzer.domain.validation import SCALE_RANGES, parse_size, size_label
from analyzer.launch import Opened, open_analyzer
from analyzer.lookup.engine import Analyzer
from analyzer.markets.registry import MARKETS
from analyzer.markets.spec import FeeSetting
from analyzer.store import Store, owners_repo

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~$:])")
SCALES = ["", "M", "W", "Y", "C"]  # "" = the shoe's own scale (a bare number)
SCALE_NAMES = {"": "Shoe's own", "M": "Men's", "W": "Women's", "Y": "GS / youth", "C": "Toddler"}
REGION_NAMES = {"global": "Global", "us": "United States", "eu": "Europe", "uk": "United Kingdom"}
CONSIGNED_NAMES = {"any": "Any listing", "true": "Consigned only", "false": "Not consigned"}
DEFAULT_FEES = Fees()


def accounts_on() -> bool:
    """Accounts are on when `.streamlit/secrets.toml` has an `[auth]` section (Streamlit's st.login)."""
    return "auth" in _secrets()


def signed_in() -> bool:
    return not accounts_on() or bool(st.user.is_logged_in)


def owner() -> str:
    """Whose rows this session reads and writes: the signed-in person (OIDC issuer and subject,
    never the e-mail), or the local owner of an app without accounts."""
    if not accounts_on():
        return LOCAL
    if not st.user.is_logged_in:
        st.stop()  # nothing of anyone's is served to a person signed out
    return owner_of(str(st.user.get("iss") or ""), str(st.user.get("sub") or ""))


def sign_in_screen() -> None:
    """All that a person signed out sees."""
    st.title("Sneaker Market Analyzer")
    st.write("Sign in to see your quotes, watchlist and portfolio. Your pairs, alerts and settings are yours alone.")
    if st.button("Sign in", type="primary", icon=":material/login:", key="sign_in"):
        st.login()


def plain(text: object) -> str:
    """User or marketplace text made inert for st.markdown and labels: no links, HTML, LaTeX or
    icon codes, just the characters."""
    return _MARKDOWN.sub(r"\\\1", str(text))


def size_choices(key: str, scale: str, listed: Sequence[float] = (), own: str | None = None) -> list[str]:
    """The size list as labels ('US M 10', 'US W 8', 'US 7Y'): the shoe's own sizes when they are
    known and the scale asked is its own, else the whole range of the scale. The chosen size keeps
    its number from one list to the next; one outside the scale's range stays listed, and Analyze
    says why it is not a size.

    Labels, not numbers, are the options: with numbers, the browser kept showing an unchanged
    number's old label ('US 10' for 'US M 10') when the list changed.
    """
    if listed and scale in ("", own):
        values, shown = list(listed), own
    else:
        low, high = SCALE_RANGES.get(scale or None, SCALE_RANGES[None])
        values, shown = [x / 2 for x in range(int(low * 2), int(high * 2) + 1)], scale or None
    options = [size_label(v, shown) for v in values]
    number = _NUMBER.search(str(st.session_state.get(key, "10")))
    wanted = size_label(float(number.group()) if number else 10.0, shown)
    if wanted not in options:
        options.append(wanted)
    st.session_state[key] = wanted  # before the widget exists: no default is given, so Streamlit does not warn
    return options


def chosen_size(key: str, scale: str) -> Size:
    """The size picked; with the shoe's own scale chosen, a bare number (as a shared link has it)."""
    size = parse_size(st.session_state[key])
    return size if scale else Size(size.value, None)


def _secrets() -> dict[str, Any]:
    try:
        return dict(st.secrets)
    except Exception:  # no secrets.toml: the environment alone
        return {}


@st.cache_resource(show_spinner="Connecting to the marketplaces…")
def opened() -> Opened:
    """Started once per process: the sandbox (without keys), sessions, limiters, breakers."""
    return open_analyzer(Settings.from_env(secrets=_secrets()))


@st.cache_resource
def _variant(use_cache: bool, region: str, consigned: str) -> Analyzer:
    """An analyzer for other Alias book options or without the cache; it records into the same metrics."""
    base = opened().analyzer
    changed = base.settings.with_(use_cache=use_cache, alias_region=region, alias_consigned=consigned)
    return Analyzer(changed, metrics=base.metrics)


def settings() -> Settings:
    return opened().analyzer.settings


def alias_options() -> tuple[str, str]:
    base = settings()
    return (str(st.session_state.get("alias_region", base.alias_region)),
            str(st.session_state.get("alias_consigned", base.alias_consigned)))


def books() -> dict[str, Book]:
    """Per market, the book the sidebar's Alias region and listing choice select: what history reads."""
    region, consigned = alias_options()
    return chosen_books(opened().analyzer.labels, region, consigned)


def analyzer() -> Analyzer:
    base = opened().analyzer
    use_cache = bool(st.session_state.get("use_cache", True))
    region, consigned = alias_options()
    if use_cache and (region, consigned) == (base.settings.alias_region, base.settings.alias_consigned):
        return base
    return _variant(use_cache, region, consigned)


def fees() -> Fees:
    """The fee settings of the sidebar; defaults before it is drawn."""
    state = st.session_state

    def pct(key: str, default: float) -> float:  # 2.9 % is 0.029, not 0.028999999999999998 (pricing reads it as a decimal)
        return round(float(state.get(key, default * 100)) / 100, 6)

    return Fees(
        stockx_level=int(state.get("seller_level", DEFAULT_FEES.stockx_level)),
        stockx_processing=pct("stockx_processing", DEFAULT_FEES.stockx_processing),
        alias_commission=pct("alias_commission", DEFAULT_FEES.alias_commission),
        alias_seller_fee=float(state.get("alias_seller_fee", DEFAULT_FEES.alias_seller_fee)),
        alias_cashout=pct("alias_cashout_pct", DEFAULT_FEES.alias_cashout),
        alias_cashout_enabled=bool(state.get("alias_cashout", DEFAULT_FEES.alias_cashout_enabled)),
        stockx_buyer_pct=pct("stockx_buyer_pct", DEFAULT_FEES.stockx_buyer_pct),
        stockx_buyer_flat=float(state.get("stockx_buyer_flat", DEFAULT_FEES.stockx_buyer_flat)),
        alias_buyer_pct=pct("alias_buyer_pct", DEFAULT_FEES.alias_buyer_pct),
        alias_buyer_flat=float(state.get("alias_buyer_flat", DEFAULT_FEES.alias_buyer_flat)),
        **{f.name: _declared_fee(f, state) for m in MARKETS for f in m.fee_settings},
    )


def fees_words(chosen: Fees) -> str:
    """The seller fees in a few words, for captions that say which fees a figure is net of."""
    cashout = f" + {chosen.alias_cashout:.1%} cash-out" if chosen.alias_cashout_enabled else ""
    declared = [m.fee_words(chosen) for m in MARKETS if m.fee_words is not None]
    return "; ".join([f"StockX level {chosen.stockx_level}, {STOCKX_TRANSACTION_FEES[chosen.stockx_level]:.1%} + "
                      f"{chosen.stockx_processing:.1%}", f"Alias {chosen.alias_commission:.1%} + ${chosen.alias_seller_fee:g}{cashout}",
                      *declared])


def _declared_fee(setting: FeeSetting, state: Any) -> float | bool:
    """A fee a market declares, from its sidebar control (a percentage shown, a share kept)."""
    default = getattr(DEFAULT_FEES, setting.name)
    if setting.kind == "bool":
        return bool(state.get(setting.name, default))
    if setting.kind == "pct":
        return round(float(state.get(setting.name, default * 100)) / 100, 6)
    return float(state.get(setting.name, default))


def currency() -> str:
    return str(st.session_state.get("currency", settings().currency))


def mode() -> str:
    return "sequential" if st.session_state.get("mode") == "One after another" else "parallel"


def workers() -> int:
    return int(st.session_state.get("workers", settings().max_workers))


def is_sandbox() -> bool:
    return settings().source == "sandbox"


def source() -> str:
    return "sandbox" if is_sandbox() else "live"


def sandbox_badge(text: str = "Sandbox data: synthetic prices, not live markets") -> None:
    if is_sandbox():
        st.badge(text, icon=":material/science:", color="orange")


def reprice(result: LookupResult) -> Recommendation:
    """The result's advice at the sidebar's fees and currency, from its stored quotes: no market call."""
    return opened().analyzer.reprice(result, fees(), currency())


def _percent(key: str, title: str, help_text: str | None = None, top: float = 30.0) -> None:
    st.number_input(title, min_value=0.0, max_value=top, step=0.1, format="%.1f", key=key, help=help_text)


def store() -> Store:
    return Store.open(settings())


def _as_percent(share: float) -> float:
    return round(float(share) * 100, 4)


def _widget_state(chosen: OwnerSettings) -> dict[str, Any]:
    """The sidebar's widget values for saved settings (percentages as the widgets show them)."""
    f = chosen.fees
    return {"seller_level": f.stockx_level, "stockx_processing": _as_percent(f.stockx_processing),
            "alias_commission": _as_percent(f.alias_commission), "alias_seller_fee": float(f.alias_seller_fee),
            "alias_cashout": bool(f.alias_cashout_enabled), "alias_cashout_pct": _as_percent(f.alias_cashout),
            "stockx_buyer_pct": _as_percent(f.stockx_buyer_pct), "stockx_buyer_flat": float(f.stockx_buyer_flat),
            "alias_buyer_pct": _as_percent(f.alias_buyer_pct), "alias_buyer_flat": float(f.alias_buyer_flat),
            "currency": chosen.currency, "alias_region": chosen.alias_region, "alias_consigned": chosen.alias_consigned,
            **{d.name: _as_percent(getattr(f, d.name)) if d.kind == "pct" else getattr(f, d.name)
               for m in MARKETS for d in m.fee_settings}}


def _fee_control(setting: FeeSetting) -> None:
    """The sidebar control of a fee a market declares in its spec."""
    if setting.kind == "bool":
        st.toggle(setting.label, key=setting.name, help=setting.help)
    elif setting.kind == "pct":
        _percent(setting.name, setting.label)
    else:
        st.number_input(setting.label, min_value=0.0, max_value=500.0, step=0.05, key=setting.name, help=setting.help)


SAVED_KEY, SAVED_OWNER_KEY = "_saved_settings", "_saved_settings_owner"


def saved_settings() -> OwnerSettings:
    """This person's settings as last saved (the webhook among them)."""
    load_settings()
    return st.session_state[SAVED_KEY]  # type: ignore[no-any-return]


def load_settings() -> None:
    """Once a session (and again for another person), before the sidebar is drawn: the person's
    saved settings into the widgets, so fees, currency and Alias book follow them to any browser."""
    who = owner()
    if st.session_state.get(SAVED_OWNER_KEY) == who:
        return
    defaults = defaults_from(settings())
    try:
        with store().read() as conn:
            saved = owners_repo.load_settings(conn, who, defaults)
    except Exception:  # the store is unreachable: the app's defaults, and prices still work
        saved = defaults
    st.session_state.update(_widget_state(saved))
    st.session_state[SAVED_KEY] = saved
    st.session_state[SAVED_OWNER_KEY] = who


def save_settings(chosen: OwnerSettings) -> None:
    """Keep the person's settings (the watch worker judges their watches at these)."""
    with store().write() as conn:
        owners_repo.save_settings(conn, owner(), chosen)
    st.session_state[SAVED_KEY] = chosen


def _save_changed_settings() -> None:
    saved = saved_settings()
    region, consigned = alias_options()
    chosen = saved.with_(fees=fees(), currency=currency(), alias_region=region, alias_consigned=consigned)
    if chosen != saved:
        try:
            save_settings(chosen)
        except Exception:
            st.toast("Your settings could not be saved now: the store is unreachable.", icon=":material/warning:")


def confirm(label: str, key: str, question: str, yes: str = "Yes, delete", **button: Any) -> bool:
    """A button that asks first (deleting, clearing, writing to a market): True only once the person has said `yes`."""
    asking = f"{key}_asking"
    if st.button(label, key=key, **button):
        st.session_state[asking] = True
    if not st.session_state.get(asking):
        return False
    st.warning(question, icon=":material/help:")
    agree, no = st.columns(2)
    if no.button("Cancel", key=f"{key}_no"):
        st.session_state[asking] = False
        st.rerun()
    if agree.button(yes, key=f"{key}_yes", type="primary"):
        st.session_state[asking] = False
        return True
    return False


def sidebar() -> None:
    """Every control re-prices what is on screen at once; Alias's book options ask the market again.
    The controls start at the person's saved settings, and a change is saved."""
    load_settings()
    with st.sidebar:
        st.subheader("Your fees")
        st.selectbox("StockX seller level", list(STOCKX_TRANSACTION_FEES), key="seller_level",
                     format_func=lambda lv: f"Level {lv}: {STOCKX_TRANSACTION_FEES[lv] * 100:g}% transaction fee")
        _percent("stockx_processing", "StockX payment processing (%)")
        _percent("alias_commission", "Alias commission (%)")
        st.number_input("Alias seller fee ($)", min_value=0.0, max_value=50.0, step=0.5, key="alias_seller_fee")
        st.toggle("Alias cash-out fee", key="alias_cashout", help="Charged when you move Alias earnings to your bank.")
        _percent("alias_cashout_pct", "Alias cash-out fee (%)")
        for market in (m for m in MARKETS if m.fee_settings):
            with st.expander(f"{market.label} fees and buyer costs"):
                for setting in market.fee_settings:
                    _fee_control(setting)
        with st.expander("Buyer costs (for buying and arbitrage)"):
            _percent("stockx_buyer_pct", "StockX buyer fee (%)")
            st.number_input("StockX buyer shipping ($)", min_value=0.0, max_value=100.0, step=0.5, key="stockx_buyer_flat")
            _percent("alias_buyer_pct", "Alias/GOAT buyer fee (%)")
            st.number_input("Alias/GOAT buyer shipping ($)", min_value=0.0, max_value=100.0, step=0.5, key="alias_buyer_flat")
            st.caption(BUYER_COSTS_NOTE)
        st.subheader("Money and market")
        st.selectbox("Show amounts in", CURRENCIES, key="currency",
                     help="StockX is asked in the currency set for the app; amounts are converted at the lookup's rates.")
        st.selectbox("Alias region", ALIAS_REGIONS, key="alias_region",
                     format_func=REGION_NAMES.get, help="Changing it asks Alias again for that region's book.")
        st.selectbox("Alias listings", ALIAS_CONSIGNED, key="alias_consigned",
                     format_func=CONSIGNED_NAMES.get, help="Consigned pairs sit in GOAT's warehouse and ship at once.")
        with st.expander("Engine"):
            st.radio("Calls", ["Parallel", "One after another"], key="mode", horizontal=True,
                     help="Parallel: every market at once, two round trips. One after another: the baseline.")
            st.slider("Shoes at once (Compare)", 1, 8, value=settings().max_workers, key="workers")
            st.toggle("Use cache", value=True, key="use_cache", help="Catalog answers are kept 24 h, market data 30 min.")
            # The cache is everyone's: with accounts on, the operator clears it (python -m analyzer cache clear).
            if not accounts_on() and confirm("Clear cache", "clear_cache", "Clear the HTTP cache? The next lookups ask the "
                                             "markets again.", icon=":material/delete_sweep:"):
                opened().analyzer.clear_cache()
                st.cache_data.clear()
                st.toast("Cache cleared: the next lookups go to the markets.")
        _save_changed_settings()
        if accounts_on():
            st.divider()
            who = st.user.get("name") or st.user.get("email") or st.user.get("sub")
            st.caption(f"Signed in as {plain(who)}")
            if st.button("Sign out", key="sign_out", icon=":material/logout:"):
                st.logout()
        st.divider()
        if is_sandbox():
            sandbox_badge("Sandbox data")
            st.caption("No API keys are configured, so the built-in sandbox marketplace answers, "
                       "in the real StockX and Alias formats. Set the keys in `.streamlit/secrets.toml` for live data.")
        else:
            st.badge("Live data", icon=":material/check_circle:", color="green")


# Static CSS only (no user or marketplace text ever goes in here): less empty space above the
# title, so the answer sits higher on a phone, the books' figures smaller than the answer, and the
# portfolio's totals small enough to sit two a row on a phone, whole.
PAGE_CSS = """
<style>
.stMainBlockContainer { padding-top: 3.5rem; }
.st-key-books [data-testid="stMetricValue"] { font-size: 1.6rem; }
.st-key-totals [data-testid="stMetricValue"] { font-size: 1.8rem; }
</style>
"""


def page_style() -> None:
    st.html(PAGE_CSS)
