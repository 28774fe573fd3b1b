"""The whole database schema: every subsystem's tables in one ``MetaData``.

The kernel's ``Base`` is shared; each subsystem declares its own tables. Importing them
all belongs here, in the composition root, so the kernel knows no subsystem. Migrations
are generated against ``metadata`` (``tools/regen_migration.sh``) and tests create it.
"""

from __future__ import annotations

import crm_sync.branches
import crm_sync.models
import dialer.campaigns.models
import dialer.lists.models
import dialogue.intent.models
import dialogue.speech.models
import handoff.models
import handoff.presence_models
import kernel.audit
import scripts.versions
import supervision.models
from kernel.db import Base

MODEL_MODULES = (
    kernel.audit,
    scripts.versions,
    dialer.lists.models,
    dialer.campaigns.models,
    crm_sync.models,
    crm_sync.branches,
    dialogue.intent.models,
    dialogue.speech.models,
    handoff.models,
    handoff.presence_models,
    supervision.models,
)
metadata = Base.metadata
