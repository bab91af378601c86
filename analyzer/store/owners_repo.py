"""Each owner's saved settings (fees, currency, Alias book, webhook): one row per owner."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select, update

from analyzer.domain.owners import OwnerSettings
from analyzer.store.market_data import now_iso
from analyzer.store.schema import owner_settings


def load_settings(conn: Connection, owner: str, defaults: OwnerSettings) -> OwnerSettings:
    """The owner's saved settings over `defaults`; `defaults` for an owner who saved none."""
    row = conn.execute(select(owner_settings.c.settings).where(owner_settings.c.owner == owner)).first()
    return defaults if row is None else OwnerSettings.from_json(row.settings, defaults)


def save_settings(conn: Connection, owner: str, chosen: OwnerSettings) -> None:
    values = {"settings": chosen.to_json(), "updated_at": now_iso()}
    changed = conn.execute(update(owner_settings).where(owner_settings.c.owner == owner).values(**values)).rowcount
    if not changed:
        conn.execute(insert(owner_settings).values(owner=owner, **values))
