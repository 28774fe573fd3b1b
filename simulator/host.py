"""What a simulated campaign needs from the product it simulates, as an interface.

The simulator stands below the composition root: it cannot build the product's app or
write a finished call itself without importing the layer above it. The composition root
hands it a ``SimulationHost`` (``tailcall.simulation.ProductHost``), so a simulation runs
the same app factory and the same finished-call record as a real deployment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # types only: the CLI imports this, and the speech stack loads slowly
    from dialer.campaigns.config import DialerSettings
    from dialogue.intent.live import CallResult, HandoffRouter, ResultHook
    from dialogue.speech.pipeline import PromptTap, SpeechRuntime
    from kernel.db import Database
    from kernel.settings import Settings


@dataclass(frozen=True)
class HostedApp:
    """The product's app as a simulation drives it."""

    asgi: Any  # the ASGI app to serve on a local port
    live_calls: Callable[[], int]  # calls its speech pipeline is running now
    runtime: SpeechRuntime | None  # its speech runtime (audio mode), else None


class SimulationHost(Protocol):
    def build_app(
        self,
        settings: Settings,
        db: Database,
        *,
        dialer_settings: DialerSettings,
        router: HandoffRouter,
        audio: bool,
        prompt_tap: PromptTap | None,
        on_result: ResultHook | None,
    ) -> HostedApp:
        """The product's app with the media endpoint when ``audio`` (the simulated carrier
        streams to it), handoff requests going to ``router`` (simulated agents)."""
        ...

    def record_call(self, db: Database, attempt_id: int, result: CallResult) -> int:
        """Record a text-mode call's result as the product records a live call's; the
        number of leads it made."""
        ...
