"""A text REPL that runs the real script engine: for script authors and developers.

Type what the customer says. Commands: ``/silence`` (or an empty line: no input),
``/dtmf 1``, ``/accept [agent]``, ``/decline``, ``/handback [state]``, ``/hangup``,
``/timeout``, ``/state``, ``/help``, ``/quit``. ``/conf 0.3 text`` sends a low-confidence
utterance.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from dialogue import engine as e
from scripts.schema import Script

HELP = __doc__ or ""


def format_action(action: object) -> str:
    """One line per engine action, as the REPL prints it."""

    if isinstance(action, e.Say):
        tags = [] if action.interruptible else ["no barge-in"]
        if action.bridging:
            tags.append("bridging")
        tag = f" ({', '.join(tags)})" if tags else ""
        return f"bot [{action.prompt_id}]{tag}: {action.text}"
    if isinstance(action, e.ExpectPhrases):
        mode = "free decoding" if action.free_decoding else "grammar"
        return (
            f"  .. listening ({mode}, {len(action.phrases)} phrases, "
            f"{action.no_input_timeout_s:g}s)"
        )
    if isinstance(action, e.Transition):
        return f"  -> {action.from_state} => {action.to_state} ({action.intent})"
    if isinstance(action, e.Signal):
        return f"  ** signal {action.name} ({action.weight:+g})"
    if isinstance(action, e.CaptureSlot):
        value = action.value.isoformat() if isinstance(action.value, datetime) else action.value
        return f"  == slot {action.name} = {value} ({action.text})"
    if isinstance(action, e.OfferHandoff):
        return f"  >> offer handoff: reason={action.reason} skill={action.skill or '-'}"
    if isinstance(action, e.EndCall):
        who = " by customer" if action.by_customer else ""
        return f"  [call ended{who}: {action.disposition}]"
    return f"  {action!r}"


def run_chat(
    script: Script,
    customer: Mapping[str, Any],
    lines: Iterable[str],
    out: Callable[[str], None],
    *,
    now: datetime,
    timezone: str | None = None,
    variant: str | None = None,
) -> str | None:
    """Drive one call from text lines; returns the disposition (None if the input ran out)."""

    eng = e.ScriptEngine(script, customer, variant=variant, clock_now=now, timezone=timezone)
    for a in eng.start():
        out(format_action(a))
    for raw in lines:
        if eng.ended:
            break
        line = raw.rstrip("\n").strip()
        event: e.Event | None
        cmd, _, arg = line.partition(" ")
        if line == "" or cmd == "/silence":
            event = e.NoInput()
        elif cmd == "/quit":
            break
        elif cmd == "/help":
            out(HELP.strip())
            continue
        elif cmd == "/state":
            out(f"  state={eng.state} mode={eng.mode} slots={eng.slots} signals={eng.signals}")
            continue
        elif cmd == "/dtmf":
            event = e.Dtmf(arg.strip()[:1] or "#")
        elif cmd == "/accept":
            event = e.HandoffAccepted(arg.strip() or "agent-1")
        elif cmd == "/decline":
            event = e.HandoffDeclined()
        elif cmd == "/handback":
            target = arg.strip() or None
            if target is not None and target not in script.states:
                out(f"  !! no state {target!r}")
                continue
            event = e.AgentHandBack(target)
        elif cmd == "/hangup":
            event = e.CustomerHangup()
        elif cmd == "/timeout":
            event = e.Timeout()
        elif cmd == "/conf":
            conf, _, text = arg.partition(" ")
            try:
                event = e.Utterance(text, float(conf))
            except ValueError:
                out("  !! usage: /conf 0.4 some text")
                continue
        elif cmd.startswith("/"):
            out(f"  !! unknown command {cmd}; /help lists them")
            continue
        else:
            event = e.Utterance(line)
        out(f"you: {line}" if isinstance(event, e.Utterance) else f"you: <{type(event).__name__}>")
        for a in eng.handle(event):
            out(format_action(a))
    return eng.disposition
