"""What can go wrong with one market, each with a plain message meant for the user.

`retryable` says whether trying again may help; `market_fault` whether it counts against the
market's circuit breaker (a 404 or a refused key says nothing about the market being down).
"""

from __future__ import annotations


class MarketError(Exception):
    kind = "error"
    retryable = False
    market_fault = False

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class NotFound(MarketError):
    kind = "not_found"


class RateLimited(MarketError):
    kind = "rate_limited"
    retryable = True


class Unavailable(MarketError):
    """5xx, time-outs, dropped connections: the market is not answering well."""

    kind = "unavailable"
    retryable = True
    market_fault = True


class BreakerOpen(MarketError):
    kind = "unavailable"


class BadAnswer(MarketError):
    """An answer that is not JSON of the documented shape."""

    kind = "bad_answer"
    retryable = True
    market_fault = True


class AuthRefused(MarketError):
    kind = "auth"


class NotConfigured(MarketError):
    kind = "not_configured"


class Rejected(MarketError):
    """Any other 4xx: the request itself was refused."""

    kind = "rejected"
