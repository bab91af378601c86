"""The Listings page in AppTest: list from Lookup's advice after a confirmation, see it, preview and apply a
reprice, delist, and the audit log; with selling off it says so and writes nothing."""

from __future__ import annotations

from analyzer.domain.owners import LOCAL
from tests.apptest import close, look_up, start, texts


def _selling(monkeypatch):
    from ui.controls import opened

    monkeypatch.setenv("ANALYZER_SELLING", "on")
    at = start(monkeypatch)
    return at, opened().sandbox.selling


def _frame(at, column: str):
    """The table that has `column` (dataframes carry no key in AppTest)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _click(at, key: str):
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


def test_list_from_lookup_then_reprice_and_delist(monkeypatch) -> None:
    at, account = _selling(monkeypatch)
    try:
        look_up(at, "DD1391-100")
        assert any(b.key == "lookup_list" for b in at.button), [b.key for b in at.button]
        _click(at, "lookup_list")
        assert "you get" in " ".join(w.value for w in at.warning) and account.counts() == {}
        _click(at, "lookup_list_yes")
        assert sum(account.counts().values()) == 1
        at.switch_page("ui/screens/listings.py").run()
        assert not at.exception
        assert _frame(at, "Lowest ask").shape[0] == 1
        preview = _frame(at, "Why")
        assert preview.shape[0] == 1
        at.selectbox(key="rp_target").set_value("fixed").run()
        at.number_input(key="rp_fixed").set_value(150)
        at.number_input(key="rp_min").set_value(10).run()
        assert list(_frame(at, "Why")["New"]) == ["$150.00"] and account.counts()  # a preview changes nothing
        assert [x.amount for x in account.listings.values()] != [150]
        _click(at, "rp_apply")
        _click(at, "rp_apply_yes")
        assert [x.amount for x in account.listings.values()] == [150]
        _click(at, "delist")
        _click(at, "delist_yes")
        assert account.counts() == {}
        log = _frame(at, "Outcome")
        assert list(log["Action"]) == ["delete", "update", "create"] and set(log["Who"]) == {LOCAL}
    finally:
        close()


def test_selling_off_says_so(monkeypatch) -> None:
    monkeypatch.delenv("ANALYZER_SELLING", raising=False)
    at = start(monkeypatch)
    try:
        at.switch_page("ui/screens/listings.py").run()
        assert not at.exception
        assert any("ANALYZER_SELLING" in i.value for i in at.info)
        assert "No listings yet" in " ".join(i.value for i in at.info) or "No changes yet" in texts(at)
    finally:
        close()
