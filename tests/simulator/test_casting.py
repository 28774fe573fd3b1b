"""Casting simulated customers: a persona each, and the CRM profile drawn from it."""

from __future__ import annotations

from sqlalchemy import select

from dialer.lists.models import Customer
from kernel.db import Database
from simulator.casting import assign_personas, store_profiles
from simulator.personas import load_personas
from tests.dialer.conftest import add_customers, add_list


def test_each_customer_gets_a_persona_drawn_by_the_seed() -> None:
    personas = load_personas()
    ids = [f"C{i}" for i in range(50)]
    cast = assign_personas(ids, personas, 7)
    assert list(cast) == ids
    assert all(p in personas.values() for p in cast.values())
    assert cast == assign_personas(ids, personas, 7)


def test_profiles_land_on_the_listed_customers_the_cast_names(db: Database) -> None:
    personas = load_personas()
    with db.session() as s:
        listed = add_customers(s, 3)
        add_customers(s, 1, start=10)  # on no list
        cl = add_list(s, listed)
        ids = [c.external_id or "" for c in listed]
        list_id = cl.id
    cast = assign_personas(ids[:2], personas, 1)  # the third is listed but not cast
    store_profiles(db, list_id, cast, "points_reminder", 1)
    with db.read() as s:
        attrs = {c.external_id: c.attributes for c in s.scalars(select(Customer))}
    for cid in ids[:2]:
        assert {"segment", "app_views", "past_responses"} <= set(attrs[cid])
    assert attrs[ids[2]] == {} and attrs["C000010"] == {}
