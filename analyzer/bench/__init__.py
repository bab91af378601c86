"""The benchmarks: lookups, pages, portfolio, replicas; one rate-bound formula (limits.py)."""
