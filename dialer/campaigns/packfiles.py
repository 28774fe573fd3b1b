"""Rule packs as files: shipped in ``dialer/campaigns/packs``, the bank's in
``<data dir>/rulepacks`` (a file of the same name replaces the shipped one)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from dialer.campaigns.eligibility import PackCheck
from dialer.campaigns.models import Campaign
from dialer.campaigns.rulepacks import RulePack, parse_pack
from dialer.campaigns.stored import compliance_of
from kernel.errors import InvalidInput

SHIPPED = Path(__file__).with_name("packs")
PACKS_FIELD = "compliance.rule_packs"


def shipped_packs() -> list[str]:
    return sorted(p.stem for p in SHIPPED.glob("*.yaml"))


def load_packs(names: Sequence[str], bank_dir: Path | None = None) -> list[RulePack]:
    """The named packs: the bank's file if it has one, else the shipped one."""
    out = []
    for name in names:
        path = SHIPPED / f"{name}.yaml"
        if bank_dir is not None and (bank_dir / f"{name}.yaml").is_file():
            path = bank_dir / f"{name}.yaml"
        if not path.is_file():
            raise InvalidInput(f"no rule pack {name!r}", where=PACKS_FIELD)
        out.append(_parsed(path, path.stat().st_mtime_ns))
    return out


@lru_cache(maxsize=64)
def _parsed(path: Path, mtime_ns: int) -> RulePack:
    """A pack file's contents, parsed once per version of the file (every dial asks)."""
    return parse_pack(path.read_text(encoding="utf-8"), path.name)


def pack_check(c: Campaign, bank_dir: Path | None) -> PackCheck:
    """The campaign's packs, product and channel, ready for ``eligibility.decide``."""
    policy = compliance_of(c)
    return PackCheck(tuple(load_packs(policy.rule_packs, bank_dir)), policy.product, policy.channel)
