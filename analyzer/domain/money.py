"""Money: a Decimal amount and an ISO currency, rounded once, half-up, to the currency's minor unit.

Amounts come in as the markets' strings and cents, or as floats that were parsed exactly (2 places):
`dec` reads a float through its shortest repr, so 19.43 is Decimal("19.43"), never 19.4299999...
Arithmetic stays exact (Decimal) until an amount is shown; `rounded` is the one rounding. Two
currencies are never added: `Money.__add__` refuses, `convert` goes through a stated rate (units
per US dollar, as analyzer.net.fx gives them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ZERO = Decimal(0)
WHOLE_UNITS = frozenset({"JPY", "KRW"})  # no minor unit: shown and rounded to the unit
SYMBOLS = {"USD": "$", "GBP": "£", "EUR": "€", "AUD": "A$", "CAD": "C$", "CHF": "CHF ", "HKD": "HK$", "JPY": "¥",
           "KRW": "₩", "MXN": "MX$", "NZD": "NZ$", "SGD": "S$"}
DASH = "—"

Amount = Decimal | float | int | str


def dec(value: Amount) -> Decimal:
    """An exact Decimal: a float through its shortest repr (0.1 -> Decimal('0.1'))."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("a bool is not an amount")
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def opt_dec(value: Amount | None) -> Decimal | None:
    return None if value is None else dec(value)


def minor_unit(currency: str) -> int:
    """Decimal places of the currency's minor unit: 0 for JPY and KRW, else 2."""
    return 0 if currency.upper() in WHOLE_UNITS else 2


def rounded(amount: Amount, currency: str = "USD") -> Decimal:
    """The one rounding: half-up to the currency's minor unit (19.425 GBP -> 19.43, 2,699.5 JPY -> 2,700)."""
    return dec(amount).quantize(Decimal(1).scaleb(-minor_unit(currency)), rounding=ROUND_HALF_UP)


def as_number(amount: Decimal | None) -> float | None:
    """An amount for JSON: a number (float), never a string; None stays None."""
    return None if amount is None else float(amount)


def rate(source: str, target: str, fx: Mapping[str, Amount] | None) -> Decimal | None:
    """Units of `target` per unit of `source`, from rates in units per US dollar; None without one."""
    if source == target:
        return Decimal(1)
    per_usd: dict[str, Decimal] = {"USD": Decimal(1)}
    for code, value in (fx or {}).items():
        try:
            per_usd[code] = dec(value)
        except (InvalidOperation, TypeError, ValueError):
            continue
    if source not in per_usd or target not in per_usd or per_usd[source] <= 0:
        return None
    return per_usd[target] / per_usd[source]


def convert(amount: Amount | None, source: str, target: str, fx: Mapping[str, Amount] | None) -> Decimal | None:
    """`amount` in `source` as `target`, exact (not rounded); None without an amount or a rate."""
    if amount is None:
        return None
    factor = rate(source, target, fx)
    return None if factor is None else dec(amount) * factor


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    @classmethod
    def of(cls, amount: Amount, currency: str) -> Money:
        return cls(dec(amount), currency.upper())

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: Amount) -> Money:
        return Money(self.amount * dec(factor), self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money) or other.currency != self.currency:
            raise ValueError(f"cannot add {getattr(other, 'currency', other)} to {self.currency}: convert first")

    def rounded(self) -> Money:
        return Money(rounded(self.amount, self.currency), self.currency)

    def to(self, currency: str, fx: Mapping[str, Amount] | None) -> Money | None:
        """Converted at the rate in `fx` (exact; round when shown); None without a rate."""
        converted = convert(self.amount, self.currency, currency, fx)
        return None if converted is None else Money(converted, currency)

    def number(self) -> float:
        return float(rounded(self.amount, self.currency))

    def __str__(self) -> str:
        return format_money(self.amount, self.currency)


def format_money(value: Amount | None, currency: str | None = "USD") -> str:
    """The one formatter: '$176.00', '£19.43', '¥27,000', '−$19.84' (minus before the symbol); '—' when missing or NaN."""
    if value is None:
        return DASH
    try:
        amount = dec(value)
    except (InvalidOperation, TypeError, ValueError):
        return DASH
    if amount.is_nan():
        return DASH
    code = (currency or "USD").upper()
    shown = rounded(abs(amount), code)
    symbol = SYMBOLS.get(code, f"{code} ")
    text = f"{symbol}{shown:,.{minor_unit(code)}f}"
    return f"−{text}" if amount < 0 and shown != 0 else text
