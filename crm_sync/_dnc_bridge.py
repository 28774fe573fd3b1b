"""Stand-in for ``dialer.suppression.add_suppressions`` until the dialer ships it.

Same signature as the dialer's planned service function; it writes the dialer's own
``suppressions`` table, skipping entries already on the list. When
``dialer.suppression`` exists, :func:`add_suppressions` delegates to it. Entries are
:class:`Entry` named tuples: tuples as the agreed signature says, with the attribute
names of ``dialer.suppression.SuppressionEntry`` (which the lead's version reads).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import NamedTuple, cast

from sqlalchemy import or_, select
from sqlalchemy.orm import Session


class Entry(NamedTuple):
    phone_e164: str | None
    external_id: str | None
    reason: str | None = None


def add_suppressions(
    session: Session, kind: str, entries: list[tuple[str | None, str | None, str | None]],
    source: str,
) -> int:
    """Add entries to a suppression list; returns how many were new."""
    rows = [Entry(*e) for e in entries]
    try:
        mod = importlib.import_module("dialer.suppression")
    except ModuleNotFoundError:
        mod = None
    if mod is not None and hasattr(mod, "add_suppressions"):
        fn = cast(Callable[[Session, str, list[Entry], str], int], mod.add_suppressions)
        return fn(session, kind, rows, source)
    return _add_suppressions(session, kind, rows, source)


def _add_suppressions(session: Session, kind: str, entries: list[Entry], source: str) -> int:
    from dialer.models import Suppression

    added = 0
    seen_phone: set[str] = set()
    seen_ext: set[str] = set()
    for phone, ext, reason in entries:
        if not phone and not ext:
            continue
        if (phone and phone in seen_phone) or (ext and ext in seen_ext):
            continue
        conds = []
        if phone:
            conds.append(Suppression.phone_e164 == phone)
        if ext:
            conds.append(Suppression.external_id == ext)
        exists = session.scalar(
            select(Suppression.id).where(Suppression.kind == kind, or_(*conds)).limit(1)
        )
        if phone:
            seen_phone.add(phone)
        if ext:
            seen_ext.add(ext)
        if exists is not None:
            continue
        session.add(
            Suppression(
                kind=kind, phone_e164=phone, external_id=ext, reason=reason, source=source
            )
        )
        added += 1
    session.flush()
    return added
