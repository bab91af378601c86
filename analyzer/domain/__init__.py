"""The domain: plain data, money, sizes, matching, pricing and the typed answer. Pure: no IO, no clock."""
