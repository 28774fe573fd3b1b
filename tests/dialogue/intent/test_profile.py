"""Profile features: a customer imported from a bank's list speaks the models' vocabulary."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from dialer.lists.importer import import_call_list, reports_root_for
from dialer.lists.models import Customer
from dialogue.intent.model_files import default_model
from dialogue.intent.profile import CustomerProfile
from kernel.db import Database
from kernel.settings import Settings
from simulator.population import write_csv

FAMILIES = ("points_reminder", "wealth_followup", "dormant_reactivation")
VOCABULARY_FEATURES = ("profile:segment:", "profile:aum_band:", "profile:tag:", "profile:star")


def test_an_imported_customer_gets_the_features_the_models_were_fitted_on(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "list.csv"
    write_csv(path, 300, seed=11)
    import_call_list(db, path, reports_root=reports_root_for(settings.data_dir))
    with db.read() as s:
        rows = s.scalars(select(Customer)).all()
        profiles = [
            CustomerProfile.from_customer(
                {
                    "star_level": c.star_level,
                    "aum_band": c.aum_band,
                    "tags": c.tags,
                    "attributes": c.attributes,
                }
            )
            for c in rows
        ]
    assert len(profiles) == 300
    seen: set[str] = set()
    for p in profiles:
        assert p.segment is not None and p.aum_band is not None
        seen |= {f for f in p.features() if f.startswith(VOCABULARY_FEATURES)}
    for family in FAMILIES:
        fitted = set(default_model(family).feature_names)
        assert seen - fitted == set(), family
    # every band and segment a list of this size holds is one the models know
    assert {f for f in seen if f.startswith("profile:aum_band:")} >= {
        "profile:aum_band:<5万",
        "profile:aum_band:5万-50万",
    }


def test_band_labels_and_star_levels_from_other_exports_are_read_into_the_vocabulary() -> None:
    p = CustomerProfile.from_customer({"aum_band": "5-50万", "star_level": 9, "attributes": {}})
    assert (p.aum_band, p.segment, p.star_level) == ("5万-50万", "mass_affluent", 7)
