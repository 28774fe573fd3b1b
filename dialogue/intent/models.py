"""Stored scoring models, which campaign uses which, and agent-confirmed call outcomes.

Tables:
- ``intent_models``: one row per fitted (or imported) model version of a script family;
  the whole ``ScoringModel`` JSON, its metrics and when it was made. Versions count up per
  family (``points_reminder@1``, ``@2``, ...).
- ``campaign_scoring_models``: the model version a campaign scores with, keyed by the
  campaign id (no foreign key: campaigns belong to the dialer, which owns that table).
- ``intent_call_labels``: calls whose outcome an agent confirmed (or a CRM reported), with
  the customer's turns and profile, in the JSONL formats of docs/intent.md: what
  ``tailcall intent fit --from-db`` learns from.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from crm_sync.service import labels_since
from dialogue.intent.labelled_calls import ReplayCall
from dialogue.intent.model import ScoringModel
from kernel.db import Base, UTCDateTime
from kernel.errors import InvalidInput, NotFound
from kernel.vocab import Grade

BigId = BigInteger().with_variant(Integer, "sqlite")


class IntentModel(Base):
    __tablename__ = "intent_models"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    family: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    model: Mapped[dict[str, Any]] = mapped_column(JSON)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("family", "version"),)

    @property
    def name(self) -> str:
        return f"{self.family}@{self.version}"

    def scoring_model(self) -> ScoringModel:
        return ScoringModel.model_validate({**self.model, "version": self.name})


class CampaignScoringModel(Base):
    __tablename__ = "campaign_scoring_models"

    campaign_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    scoring_model_id: Mapped[int] = mapped_column(BigId, ForeignKey("intent_models.id"))
    chosen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class IntentCallLabel(Base):
    __tablename__ = "intent_call_labels"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    call_id: Mapped[int | None] = mapped_column(BigId, index=True)  # the dialer's call id
    customer_id: Mapped[int | None] = mapped_column(BigId)
    campaign_id: Mapped[int | None] = mapped_column(BigId, index=True)
    script_id: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(1))
    source: Mapped[str] = mapped_column(String(50))  # "agent", "supervisor", "import"
    call: Mapped[dict[str, Any]] = mapped_column(JSON)  # a docs/intent.md JSONL record
    labelled_at: Mapped[datetime] = mapped_column(UTCDateTime())


# --------------------------------------------------------------------------- services
def store_model(
    session: Session, model: ScoringModel, *, source: str, now: datetime
) -> IntentModel:
    """Store ``model`` as the next version of its family; returns the row."""
    top = session.scalar(
        select(func.max(IntentModel.version)).where(IntentModel.family == model.family)
    )
    version = int(top or 0) + 1
    row = IntentModel(
        family=model.family,
        version=version,
        model=model.model_copy(update={"version": f"{model.family}@{version}"}).model_dump(
            mode="json"
        ),
        metrics=dict(model.metrics),
        source=source[:200],
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def find_model(session: Session, ref: str) -> IntentModel:
    """A stored model by ``family@version``, ``family`` (its latest) or row id."""
    q = select(IntentModel)
    if ref.isdigit():
        row = session.scalar(q.where(IntentModel.id == int(ref)))
    elif "@" in ref:
        family, _, ver = ref.partition("@")
        if not ver.isdigit():
            raise InvalidInput("version must be a number, e.g. points_reminder@2", where="model")
        row = session.scalar(q.where(IntentModel.family == family, IntentModel.version == int(ver)))
    else:
        row = session.scalar(
            q.where(IntentModel.family == ref).order_by(IntentModel.version.desc()).limit(1)
        )
    if row is None:
        raise NotFound(f"no stored scoring model {ref!r}", where="model")
    return row


def list_models(session: Session, family: str | None = None) -> list[IntentModel]:
    q = select(IntentModel).order_by(IntentModel.family, IntentModel.version)
    if family:
        q = q.where(IntentModel.family == family)
    return list(session.scalars(q))


def choose_model(session: Session, campaign_id: int, ref: str, *, now: datetime) -> IntentModel:
    """Make ``campaign_id`` score with the stored model ``ref``."""
    row = find_model(session, ref)
    choice = session.get(CampaignScoringModel, campaign_id)
    if choice is None:
        session.add(
            CampaignScoringModel(campaign_id=campaign_id, scoring_model_id=row.id, chosen_at=now)
        )
    else:
        choice.scoring_model_id = row.id
        choice.chosen_at = now
    session.flush()
    return row


def model_for_campaign(session: Session, campaign_id: int) -> ScoringModel | None:
    """The model the campaign chose, or None (then the family's default applies)."""
    choice = session.get(CampaignScoringModel, campaign_id)
    if choice is None:
        return None
    row = session.get(IntentModel, choice.scoring_model_id)
    return row.scoring_model() if row is not None else None


# An agent's disposition of a call they took over, as the grade the scorer should have
# given it (the console's choices; "other" says nothing about intent and is no label).
AGENT_DISPOSITION_LABELS: dict[str, Grade] = {"sale": "A", "callback": "B", "not_interested": "C"}


def record_call_label(
    session: Session,
    call: ReplayCall,
    *,
    call_sid: str,
    source: str,
    now: datetime,
    call_id: int | None = None,
    customer_id: int | None = None,
    campaign_id: int | None = None,
) -> IntentCallLabel:
    """Store (or correct) the confirmed outcome of a call, with its turns and profile."""
    if call.label is None:
        raise InvalidInput("a confirmed outcome needs a label", where="label")
    data = call.model_dump(mode="json", exclude_none=True)
    row = session.scalar(select(IntentCallLabel).where(IntentCallLabel.call_sid == call_sid))
    if row is None:
        row = IntentCallLabel(call_sid=call_sid)
        session.add(row)
    row.call_id = call_id
    row.customer_id = customer_id
    row.campaign_id = campaign_id
    row.script_id = call.script
    row.language = call.language
    row.label = call.label
    row.source = source
    row.call = data
    row.labelled_at = now
    session.flush()
    return row


def labelled_calls(
    session: Session, *, script_id: str | None = None, use_crm: bool = True
) -> list[ReplayCall]:
    """Confirmed calls for fitting. With ``use_crm``, a CRM outcome for the same call
    (``crm_sync.service.labels_since``) overrides the agent's grade: won -> A, and lost
    turns an A into a B (the agent saw interest, the sale did not follow)."""
    q = select(IntentCallLabel).order_by(IntentCallLabel.labelled_at, IntentCallLabel.id)
    if script_id:
        q = q.where(IntentCallLabel.script_id == script_id)
    rows = list(session.scalars(q))
    crm: dict[int, str] = {}
    if use_crm:
        crm = {lab.call_id: lab.label for lab in labels_since(session)}
    out: list[ReplayCall] = []
    for row in rows:
        call = ReplayCall.model_validate(row.call)
        outcome = crm.get(row.call_id) if row.call_id is not None else None
        if outcome == "won":
            call = call.model_copy(update={"label": "A"})
        elif outcome == "lost" and call.label == "A":
            call = call.model_copy(update={"label": "B"})
        out.append(call)
    return out
