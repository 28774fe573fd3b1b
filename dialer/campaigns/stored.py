"""stored: split from dialer.campaigns.service (docstring to write)."""

from __future__ import annotations

from dialer.campaigns.models import Campaign
from dialer.campaigns.pacing import PacingConfig
from dialer.campaigns.policy import CompliancePolicy
from dialer.campaigns.retries import RetryPolicy
from dialer.campaigns.spec import CampaignSpec, VariantSpec
from dialer.campaigns.windows import CallingWindow


def apply_spec(c: Campaign, spec: CampaignSpec) -> None:
    c.name = spec.name
    c.script_id = spec.script_id
    c.language = spec.language
    c.caller_id = spec.caller_id
    c.variants = [v.model_dump(mode="json") for v in spec.variants]
    c.audience = spec.audience.model_dump(mode="json")
    c.window = spec.window.model_dump(mode="json")
    c.pacing = spec.pacing.model_dump(mode="json")
    c.retry_rules = spec.retry.model_dump(mode="json")
    c.thresholds = dict(spec.thresholds)
    c.live_handoff = spec.live_handoff
    c.handoff_skill = spec.handoff_skill
    c.start_at = spec.start_at
    c.text_only = spec.text_only

    c.compliance = spec.compliance.model_dump(mode="json")


def spec_of(c: Campaign) -> CampaignSpec:
    return CampaignSpec.model_validate(
        {
            "name": c.name,
            "script_id": c.script_id,
            "language": c.language,
            "caller_id": c.caller_id,
            "variants": c.variants,
            "audience": c.audience,
            "window": c.window,
            "pacing": c.pacing,
            "retry": c.retry_rules,
            "thresholds": c.thresholds,
            "live_handoff": c.live_handoff,
            "handoff_skill": c.handoff_skill,
            "start_at": c.start_at,
            "text_only": bool(c.text_only),
            "compliance": c.compliance or {},
        }
    )


def window_of(c: Campaign) -> CallingWindow:
    return CallingWindow.model_validate(c.window)


def pacing_of(c: Campaign) -> PacingConfig:
    return PacingConfig.model_validate(c.pacing)


def retry_of(c: Campaign) -> RetryPolicy:
    return RetryPolicy.model_validate(c.retry_rules)


def variants_of(c: Campaign) -> list[VariantSpec]:
    return [VariantSpec.model_validate(v) for v in c.variants]


def compliance_of(c: Campaign) -> CompliancePolicy:
    return CompliancePolicy.model_validate(c.compliance or {})
