"""The sandbox's reference exchange rates: the ECB's daily file it serves (/ecb/...), and the
conversion of its US-dollar market model into the currencies StockX quotes in."""

from __future__ import annotations

import datetime as dt

# The sandbox's own reference rates, per EUR (as the ECB publishes them). Market data in another
# currency are the USD model converted with exactly these, and /ecb/... serves exactly these.
ECB_RATES: dict[str, float] = {
    "USD": 1.0800, "JPY": 162.50, "DKK": 7.4590, "GBP": 0.84500, "SEK": 11.2350, "CHF": 0.9650,
    "NOK": 11.6800, "AUD": 1.6450, "CAD": 1.4750, "CNY": 7.7900, "HKD": 8.4300, "KRW": 1450.00,
    "MXN": 19.8500, "NZD": 1.7800, "SGD": 1.4550,
}
STOCKX_CURRENCIES = ("AUD", "CAD", "CHF", "EUR", "GBP", "HKD", "JPY", "KRW", "MXN", "NZD", "SGD", "USD")


def per_usd(currency: str) -> float:
    """Units of `currency` per US dollar, from the ECB rates (EUR's own rate is 1)."""
    return (1.0 if currency == "EUR" else ECB_RATES[currency]) / ECB_RATES["USD"]


def convert(usd: float | None, currency: str) -> str | None:
    """A USD amount in whole units of `currency`, as StockX writes it (a string), or None."""
    return None if usd is None else str(round(usd * per_usd(currency)))


def ecb_date(today: dt.date | None = None) -> str:
    """The last business day, as the ECB stamps its daily file."""
    day = today or dt.datetime.now(dt.UTC).date()
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day.isoformat()


def ecb_xml(today: dt.date | None = None) -> str:
    """The rates in the ECB's eurofxref-daily.xml format."""
    cubes = "\n".join(f"\t\t\t<Cube currency='{c}' rate='{r:.10g}'/>" for c, r in ECB_RATES.items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" '
        'xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">\n'
        "\t<gesmes:subject>Reference rates</gesmes:subject>\n"
        "\t<gesmes:Sender>\n\t\t<gesmes:name>European Central Bank</gesmes:name>\n\t</gesmes:Sender>\n"
        f"\t<Cube>\n\t\t<Cube time='{ecb_date(today)}'>\n{cubes}\n\t\t</Cube>\n\t</Cube>\n"
        "</gesmes:Envelope>\n"
    )
