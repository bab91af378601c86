"""`lookup --json` in pounds against the sandbox: Alias's dollar payout is converted, then rounded once."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from analyzer.domain.money import rounded
from analyzer.domain.pricing import Fees
from analyzer.markets.alias_spec import payout_exact as alias_payout_exact
from analyzer.store import db
from tests.clirun import cli_env, run_cli


def test_lookup_json_in_pounds_rounds_once(fast_sandbox, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = cli_env(data_dir, fast_sandbox.url, db.default_url(data_dir), ANALYZER_FX_RATES="GBP=0.75", ANALYZER_CURRENCY="GBP")
    done = run_cli(env, "lookup", "DD1391-100", "--size", "10", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    alias = data["quotes"]["alias"]
    assert alias["ok"] and alias["currency"] == "USD" and isinstance(alias["highest_bid"], float)
    pricing = data["pricing"]
    assert pricing["currency"] == "GBP" and pricing["fx"] == {"GBP": 0.75}
    exact = alias_payout_exact(alias["highest_bid"], Fees())
    assert exact is not None
    assert pricing["payouts"]["alias"]["sell_now"] == float(rounded(exact * Decimal("0.75"), "GBP"))
    assert pricing["payouts"]["alias"]["currency"] == "GBP"
    for pick in ("best_sell_now", "best_list", "best_buy"):
        assert pricing[pick] is None or pricing[pick]["currency"] == "GBP"
