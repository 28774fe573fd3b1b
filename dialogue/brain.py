"""What the speech pipeline needs from the script engine, as protocols.

The pipeline drives any ``CallBrain``: the real ``dialogue.engine.ScriptEngine`` (see
docs/architecture.md, "The script engine interface") or a test fake. Events are built
through a ``BrainEvents`` factory (``EngineEvents`` makes the engine's own); actions are
recognised by shape (the fields the interface names).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol, runtime_checkable

from dialogue import engine


class CallBrain(Protocol):
    """The per-call state machine: events in, actions out (``ScriptEngine``'s interface)."""

    def start(self) -> Sequence[object]: ...

    def handle(self, event: Any) -> Sequence[object]: ...

    @property
    def state(self) -> str: ...

    @property
    def ended(self) -> bool: ...


class BrainEvents(Protocol):
    """Builds the engine's event objects."""

    def utterance(self, text: str, confidence: float, alternatives: tuple[str, ...]) -> object: ...

    def no_input(self) -> object: ...

    def dtmf(self, digit: str) -> object: ...

    def customer_hangup(self) -> object: ...


class TurnObserver(Protocol):
    """Sees every turn the brain handled (the intent scorer of a call, ``live_scoring``).

    ``observe`` runs after each ``start``/``handle`` with the event (None for the start)
    and the actions; it must be cheap (it is on the turn's latency path) and may return an
    awaitable for slow follow-up work, which the driver runs in the background. ``finished``
    runs once when the call ends, with its disposition.
    """

    def observe(
        self, brain: CallBrain, event: object | None, actions: Sequence[object], *, barge_in: bool
    ) -> Any: ...

    def finished(self, brain: CallBrain, disposition: str) -> None: ...

    def bind(self, feed: Callable[[object], Awaitable[None]]) -> None:
        """The driver's way to feed the brain an event later (a handoff's answer)."""
        ...


@runtime_checkable
class SayLike(Protocol):
    @property
    def text(self) -> str: ...
    @property
    def prompt_id(self) -> str: ...
    @property
    def interruptible(self) -> bool: ...


@runtime_checkable
class ExpectPhrasesLike(Protocol):
    @property
    def phrases(self) -> tuple[str, ...]: ...
    @property
    def free_decoding(self) -> bool: ...
    @property
    def no_input_timeout_s(self) -> float: ...


@runtime_checkable
class EndCallLike(Protocol):
    @property
    def disposition(self) -> str: ...


@runtime_checkable
class TransitionLike(Protocol):
    @property
    def from_state(self) -> str: ...
    @property
    def to_state(self) -> str: ...
    @property
    def intent(self) -> Any: ...


class EngineEvents:
    """``BrainEvents`` for the real engine: its own event classes."""

    def utterance(self, text: str, confidence: float, alternatives: tuple[str, ...]) -> object:
        return engine.Utterance(text, confidence, alternatives)

    def no_input(self) -> object:
        return engine.NoInput()

    def dtmf(self, digit: str) -> object:
        return engine.Dtmf(digit)

    def customer_hangup(self) -> object:
        return engine.CustomerHangup()
