"""What runs on top of lookups: the watchlist and its alerts, the portfolio and its files."""
