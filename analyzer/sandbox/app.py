"""The sandbox marketplace: every market's sandbox module (named by its MarketSpec in the registry)
mounted behind one gate (analyzer.sandbox.gate: auth, token buckets, faults, latency), in the shapes
real answers have (../shared/marketplace-apis.md); the ECB's daily reference rates at /ecb/...; and
/sandbox/info. A new market's sandbox is its module and the `sandbox` field of its spec."""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from analyzer.markets.registry import MARKETS
from analyzer.sandbox import rates, selling
from analyzer.sandbox.alias import CONDITIONS, SANDBOX_ALIAS_TOKEN, alias_item, alias_sizes, region_pairs
from analyzer.sandbox.gate import ALL_FAULT_KINDS, FAULT_KINDS, Counters, Gate, SandboxConfig, SandboxMarket
from analyzer.sandbox.stockx import SANDBOX_STOCKX_KEY, SANDBOX_STOCKX_TOKEN, stockx_prices_usd, stockx_variant

SANDBOX_INFO = {"sandbox": True, "name": "sneaker-analyzer-sandbox"}
ECB_PATH = "/ecb/stats/eurofxref/eurofxref-daily.xml"

__all__ = ["ALL_FAULT_KINDS", "CONDITIONS", "ECB_PATH", "FAULT_KINDS", "SANDBOX_ALIAS_TOKEN", "SANDBOX_STOCKX_KEY",
           "SANDBOX_STOCKX_TOKEN", "Counters", "SandboxConfig", "alias_item", "alias_sizes", "create_app", "market_modules",
           "region_pairs", "stockx_prices_usd", "stockx_variant"]


def market_modules() -> list[ModuleType]:
    """Every registered market's sandbox module, in the registry's order."""
    return [import_module(m.sandbox) for m in MARKETS if m.sandbox]


async def ecb_daily(request: Request) -> Response:
    return Response(rates.ecb_xml(), media_type="text/xml")


async def info(request: Request) -> Response:
    return JSONResponse(SANDBOX_INFO)


async def health(request: Request) -> Response:
    return PlainTextResponse("ok")


async def _guarded(request: Request, market: str) -> Response | None:
    """The selling routes lie under their market's prefix: the Gate middleware has already let them in."""
    return None


def create_app(config: SandboxConfig | None = None) -> Starlette:
    config = config or SandboxConfig()
    modules = market_modules()
    counters = Counters.of([module.NAME for module in modules])
    markets: list[SandboxMarket] = [module.mount(counters) for module in modules]
    routes: list[BaseRoute] = [Route("/health", health), Route("/sandbox/info", info), Route(ECB_PATH, ecb_daily)]
    account = selling.SellingState(selling.SellingConfig(seed=config.seed))  # our listings (analyzer.sandbox.selling)
    app = Starlette(routes=routes + [route for market in markets for route in market.routes] + selling.routes(account, _guarded))
    app.state.selling = account  # the market modules overlay our asks on their books from here
    app.state.config = config
    app.state.counters = counters
    app.add_middleware(Gate, config=config, counters=counters, markets=markets)
    return app
