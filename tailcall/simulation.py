"""The product as a simulation's host: the same app factory and finished-call record.

``ProductHost`` implements ``simulator.host.SimulationHost``; the CLI root hands it to the
simulator's commands, tests hand it to ``run_simulation``.
"""

from __future__ import annotations

from dialer.campaigns.config import DialerSettings
from dialogue.intent.live import CallResult, HandoffRouter
from dialogue.speech.pipeline import PromptTap
from kernel.db import Database
from kernel.settings import Settings
from simulator.host import HostedApp, ResultHook
from tailcall.app import create_app
from tailcall.outcomes import record_call_result


class ProductHost:
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
        app = create_app(
            settings,
            db,
            media=audio,
            dialer_settings=dialer_settings,
            handoff_router=router,
            prompt_tap=prompt_tap,
            on_result=on_result,
        )
        registry = app.state.handoff.registry
        return HostedApp(
            asgi=app,
            live_calls=lambda: len(registry.calls()),
            runtime=getattr(app.state, "speech_runtime", None),
        )

    def record_call(self, db: Database, attempt_id: int, result: CallResult) -> int:
        return record_call_result(db, attempt_id, result)
