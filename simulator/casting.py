"""Who each simulated customer is: a persona per customer (seeded), and the profile the
bank's CRM would hold of them drawn from that persona, stored on the imported customer.
Campaign simulations (``simulator.simulate``), dry runs and the live demo cast alike."""

from __future__ import annotations

import random
from collections.abc import Sequence

from sqlalchemy import select

from dialer.lists.models import Customer, ListMember
from kernel.db import Database
from simulator.personas import Persona
from simulator.textcalls import draw_profile


def assign_personas(
    ids: Sequence[str], personas: dict[str, Persona], seed: int
) -> dict[str, Persona]:
    """A persona per customer id, drawn uniformly (seeded, in the given order)."""
    rng = random.Random(f"{seed}:personas")
    names = sorted(personas)
    return {cid: personas[rng.choice(names)] for cid in ids}


def store_profiles(
    db: Database, list_id: int, assigned: dict[str, Persona], script_id: str, seed: int
) -> None:
    """What the bank's CRM would hold of each customer's interest (segment, app views,
    past campaign responses), drawn from the persona's grade as in the labelled calls the
    scorer was fitted on, into the imported customer's attributes: text and audio calls
    then read the same profile from the database, as live calls do."""
    with db.session() as s:
        rows = s.scalars(
            select(Customer)
            .join(ListMember, ListMember.customer_id == Customer.id)
            .where(ListMember.list_id == list_id)
        ).all()
        for c in rows:
            persona = assigned.get(c.external_id or "")
            if persona is None:
                continue
            drawn = draw_profile(
                random.Random(f"{seed}:profile:{c.external_id}"), persona.grade, script_id
            )
            c.attributes = {
                **(c.attributes or {}),
                "segment": drawn.segment,
                "app_views": dict(drawn.app_views),
                "past_responses": dict(drawn.past_responses),
            }
