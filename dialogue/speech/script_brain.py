"""The real script engine as the brain of a call, built from the media stream's start.

``ScriptBrainFactory`` is a ``BrainFactory`` for ``SpeechRuntime``: the dialer puts the
call's script into the carrier's stream parameters, which arrive in the ``start`` event
as ``customParameters``:

- ``scriptId`` (or the factory's default) and ``language`` (default: the factory's),
  looked up with ``scripts.loader.find_script``; each script is loaded once per process;
- ``variant``: the prompt variant the campaign picked for this call (optional);
- ``customer``: the customer's attributes as a JSON object, or ``customerId`` resolved by
  the factory's ``customer_lookup`` (neither: the script's fallbacks are spoken);
- ``attemptId``: the dialer's attempt, bound to the recorder when it can ``bind``.

``services`` (``CallServices``, ``tailcall.live_calls`` in a tailcall process) fills in
what the stream does not carry: the customer of the attempt, and the call's intent
scorer (a ``TurnObserver``) with the campaign's model and thresholds.

Engine conventions the pipeline follows: a no-match reaches the engine as
``Utterance("", confidence)``; ``ExpectPhrases`` already lists the global intents'
phrases, so the recognizer's grammar is exactly what the engine sent.

``fixed_prompts(script)`` are the texts of a script that do not depend on the customer
(only ``{bank}``/``{assistant}``): render them before a campaign's first call with
``SpeechRuntime.warm_up(prompts=...)``, so greetings start at once.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from dialogue.brain import TurnObserver
from dialogue.engine import ScriptEngine
from dialogue.speech.answer_tap import AnswerHandling
from dialogue.speech.driver import ActionHook
from dialogue.speech.pipeline import CallInfo, CallSetup
from kernel.calls import StreamStart
from kernel.clock import Clock, SystemClock
from kernel.errors import InvalidInput
from scripts.loader import find_script, load_script
from scripts.schema import Script, placeholders

CustomerLookup = Callable[[str], Mapping[str, Any] | None]


class CallServices(Protocol):
    """What the process adds to a call beyond its script."""

    def agent_first(self, info: CallInfo) -> CallSetup | None:
        """The whole setup of a call that is not the script's (an agent-first call back
        names ``agentId``), or None."""
        ...

    def customer(self, info: CallInfo) -> Mapping[str, Any] | None:
        """The customer's attributes (None: not known here)."""
        ...

    def answer(self, info: CallInfo) -> AnswerHandling | None:
        """How the call's first seconds are listened to (None: the script starts at once)."""
        ...

    def machine(self, info: CallInfo) -> CallSetup | None:
        """The setup of a call a machine answered (the carrier flagged a voicemail box or
        an announcement): never the script's. None: a person, or not known."""
        ...

    def observer(
        self, info: CallInfo, script: Script, engine: ScriptEngine, customer: Mapping[str, Any]
    ) -> TurnObserver | None:
        """The call's turn observer (its intent scorer), or None."""
        ...


class AttemptBinder(Protocol):
    def bind(self, call_id: str, attempt_id: int | None) -> None: ...


def fixed_prompts(script: Script) -> list[str]:
    """Texts the bot may say that are the same for every customer, ready to render."""
    known = {"bank": script.metadata.organization, "assistant": script.metadata.assistant}
    out: list[str] = []
    for ref in script.texts():
        names = placeholders(ref.text)
        if all(n in known for n in names):
            out.append(ref.text.format_map(known) if names else ref.text)
    return list(dict.fromkeys(t for t in out if t.strip()))


@dataclass
class ScriptBrainFactory:
    default_script: str | None = None
    default_language: str = "ko-KR"
    clock: Clock = field(default_factory=SystemClock)
    customer_lookup: CustomerLookup | None = None
    recorder: AttemptBinder | None = None
    on_action: ActionHook | None = None
    services: CallServices | None = None
    rate: int | None = None
    _scripts: dict[tuple[str, str], Script] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def script(self, script_id: str, language: str) -> Script:
        key = (script_id, language)
        with self._lock:
            cached = self._scripts.get(key)
        if cached is None:
            cached = load_script(find_script(script_id, language))
            with self._lock:
                self._scripts[key] = cached
        return cached

    def __call__(self, info: CallInfo) -> CallSetup:
        p = info.start
        if p.is_agent_first and self.services is not None:
            special = self.services.agent_first(info)
            if special is not None:
                return special
        script_id = p.script_id or self.default_script
        if not script_id:
            raise InvalidInput(
                "the stream's start names no script", where="customParameters.scriptId"
            )
        language = p.language or self.default_language
        script = self.script(script_id, language)
        machine = self.services.machine(info) if self.services is not None else None
        if machine is not None:
            machine.voice, machine.rate = script.metadata.voice, self.rate
            return machine
        variant = p.variant
        if variant is not None and variant not in script.variant_names():
            raise InvalidInput("unknown prompt variant", where="customParameters.variant")
        customer = self._customer(p)
        if not customer and self.services is not None:
            customer = self.services.customer(info) or {}
        engine = ScriptEngine(script, customer, variant=variant, clock_now=self.clock.now())
        observer = (
            self.services.observer(info, script, engine, customer)
            if self.services is not None
            else None
        )
        if self.recorder is not None:
            self.recorder.bind(info.call_sid, p.attempt_id)
        return CallSetup(
            brain=engine,
            language=script.language,
            voice=script.metadata.voice,
            rate=self.rate,
            on_action=self.on_action,
            prerender=fixed_prompts(script),
            observer=observer,
            answer=self.services.answer(info) if self.services is not None else None,
        )

    def _customer(self, p: StreamStart) -> Mapping[str, Any]:
        raw = p.customer
        if raw:
            try:
                data = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise InvalidInput(
                    "customer attributes are not JSON", where="customParameters.customer"
                ) from exc
            if not isinstance(data, dict):
                raise InvalidInput(
                    "customer attributes must be a JSON object", where="customParameters.customer"
                )
            return data
        if p.customer_id is not None and self.customer_lookup is not None:
            return self.customer_lookup(p.customer_id) or {}
        return {}
