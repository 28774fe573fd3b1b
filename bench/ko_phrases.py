"""Korean phrasings: simulated customers' replies decoded per state grammar, per intent.

python -m bench.ko_phrases [--script points_reminder] [--speeds 110 125 150 175]
                           [--pitches 30 60] [--replies FILE] [--phrases] [--strategy mbr]

For every listening state of the ko-KR script (states sharing a grammar are decoded
once), every Korean reply a persona may say there (the shared bank in
simulator/personas/_replies.yaml plus the personas' own ko-KR replies) is rendered like
the simulator renders it (simulator.tts: respelling, espeak-ng voice ``ko``, mu-law 8 kHz,
at the speeds and pitches the personas use) and decoded like the speech pipeline does
(VoskSTTService's default: one word-confidence recognizer on the state's grammar, the
barrier entry, the tuned beams, 100 ms chunks, ``judge`` with the minimum word confidence
from SpeechSettings); the accepted phrase goes through the engine's lexicon of the state
to an intent. A reply is graded against the script intent it means
(``simulator.text_conversation.expected_intent``) in each state that listens for that
intent; replies the script has no intent for (maybe, hesitate, ...) should be no-matches
and are counted as false accepts otherwise.

``--replies FILE`` (YAML: persona intent -> phrasings) replaces the bank's phrasings of
those intents, to try candidates before editing the bank. ``--strategy`` compares other
judges: ``nbest`` (an N-best recognizer, exact top alternative) and ``nbest-first`` (the
first N-best alternative that is a grammar phrase, no word confidences).
Prints one table per intent (and per phrase with ``--phrases``) and the overall accuracy.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.table import Table

PAD_BEFORE_S = 0.3  # the STT's pre-roll holds about this much before the VAD start
PAD_AFTER_S = 0.2  # VAD stop delay: silence decoded after the speech
CHUNK_BYTES = 1600  # 100 ms of 16-bit PCM at 8 kHz, as VoskSTTService feeds Vosk
NOT_GRADED = "-"  # expected intent of replies the script names no intent for


@dataclass
class Tally:
    """Decisions for one reply intent (or one phrase)."""

    n: int = 0
    correct: int = 0
    no_match: int = 0
    got: Counter[str] = field(default_factory=Counter)  # wrong intents (and "no-match")

    def add(self, expected: str, recognized: str | None) -> None:
        self.n += 1
        if recognized == (None if expected == NOT_GRADED else expected):
            self.correct += 1
        else:
            self.got[recognized or "no-match"] += 1
        if recognized is None:
            self.no_match += 1


def persona_voices(speeds: Sequence[int] | None, pitches: Sequence[int] | None) -> list[Any]:
    """The espeak voices the personas speak Korean with (a grid over their ranges)."""
    from simulator.personas import VoiceSpec, load_personas
    from simulator.tts import Voice

    specs = {
        (s.espeak_voice, s.speed_wpm, s.pitch)
        for p in load_personas().values()
        for s in [p.voices.get("ko-KR", VoiceSpec())]
    }
    voices: set[Voice] = set()
    for espeak_voice, (s_lo, s_hi), (p_lo, p_hi) in specs:
        ss = (
            [s for s in speeds if s_lo <= s <= s_hi] if speeds else [s_lo, (s_lo + s_hi) // 2, s_hi]
        )
        ps = [p for p in pitches if p_lo <= p <= p_hi] if pitches else [p_lo, p_hi]
        for s in ss:
            for p in ps:
                voices.add(Voice("ko-KR", espeak_voice, speed_wpm=s, pitch=p))
    return sorted(voices, key=lambda v: (v.speed_wpm, v.pitch))


def korean_replies(overrides: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Persona intent -> every ko-KR phrasing a persona may say (bank and own replies)."""
    from simulator.personas import load_personas, load_reply_bank

    out: dict[str, list[str]] = {i: list(ps) for i, ps in load_reply_bank()["ko-KR"].items()}
    for persona in load_personas().values():
        for intent, ps in persona.replies.get("ko-KR", {}).items():
            out.setdefault(intent, []).extend(p for p in ps if p not in out[intent])
    for intent, ps in (overrides or {}).items():
        out[intent] = list(ps)
    return out


def listening_states(script: Any) -> dict[tuple[str, ...], list[str]]:
    """Grammar-mode states that wait for a reply, grouped by their grammar."""
    groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for sid, st in script.states.items():
        if st.end is not None or st.next is not None or script.free_decoding(sid):
            continue
        groups[tuple(sorted(script.all_phrases(sid)))].append(sid)
    return dict(groups)


def _pad(pcm: bytes) -> bytes:
    return bytes(int(16000 * PAD_BEFORE_S)) + pcm + bytes(int(16000 * PAD_AFTER_S))


def decode(rec: Any, pcm: bytes) -> dict[str, Any]:
    for i in range(0, len(pcm), CHUNK_BYTES):
        rec.AcceptWaveform(pcm[i : i + CHUNK_BYTES])
    out: dict[str, Any] = json.loads(rec.FinalResult())
    return out


@dataclass
class Run:
    by_intent: dict[str, Tally]
    by_phrase: dict[tuple[str, str], Tally]
    by_state: dict[str, Tally]
    heard: dict[tuple[str, str], Counter[str]]
    graded: set[str]  # persona intents the script has an intent for
    decodes: int
    decode_s: float
    voices: int


def run(
    script_id: str,
    voices: Sequence[Any],
    replies: dict[str, list[str]],
    *,
    strategy: str = "mbr",
    min_confidence: float | None = None,
) -> Run:
    from vosk import KaldiRecognizer

    from dialogue.intent.labelled_calls import shipped_script
    from dialogue.speech.asr_models import ModelRegistry
    from dialogue.speech.grammar import build_grammar, judge
    from dialogue.speech.settings import SpeechSettings
    from simulator import audio
    from simulator.text_conversation import expected_intent
    from simulator.tts import render_mulaw

    settings = SpeechSettings()
    min_conf = settings.asr_min_word_confidence if min_confidence is None else min_confidence
    reg = ModelRegistry(settings)
    model = reg.model("ko-KR")
    vocab = reg.vocabulary("ko-KR")
    script = shipped_script(script_id, "ko-KR")

    pcm_cache: dict[tuple[str, Any], bytes] = {}

    def pcm_of(text: str, voice: Any) -> bytes:
        key = (text, voice)
        if key not in pcm_cache:
            pcm_cache[key] = _pad(audio.mulaw_to_pcm16(render_mulaw(text, voice)).tobytes())
        return pcm_cache[key]

    by_intent: dict[str, Tally] = defaultdict(Tally)
    by_phrase: dict[tuple[str, str], Tally] = defaultdict(Tally)
    by_state: dict[str, Tally] = defaultdict(Tally)
    heard: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    decodes, spent = 0, 0.0
    for states in listening_states(script).values():
        sid = states[0]
        grammar = build_grammar(script.all_phrases(sid), vocab)
        listened = script.expected_intents(sid)
        lexicon = script.lexicon(sid)
        rec = KaldiRecognizer(model, 8000, grammar.vosk_json())
        rec.SetWords(True)
        if strategy != "mbr":
            rec.SetMaxAlternatives(10)
        label = "/".join(states)
        for intent, phrases in replies.items():
            expected = expected_intent(intent, script) or NOT_GRADED
            if expected != NOT_GRADED and expected not in listened:
                continue  # the state cannot hear it: not a phrasing question
            if expected == NOT_GRADED and intent == "callback_time" and script.states[sid].capture:
                continue  # a capture state's answer, not an intent
            for text in phrases:
                for voice in voices:
                    pcm = pcm_of(text, voice)
                    t0 = time.perf_counter()
                    result = decode(rec, pcm)
                    spent += time.perf_counter() - t0
                    decodes += 1
                    if strategy == "nbest-first":
                        j = judge_first_exact(result, grammar)
                    else:
                        mbr = None if strategy == "nbest" else result
                        j = judge(result, mbr, grammar, min_confidence=min_conf)
                    m = lexicon.match(j.text) if j.accepted else None
                    got = m.intent if m is not None else None
                    by_intent[intent].add(expected, got)
                    by_phrase[(intent, text)].add(expected, got)
                    by_state[label].add(expected, got)
                    heard[(intent, text)][j.heard or "(nothing)"] += 1
    graded = {i for i in replies if expected_intent(i, script) is not None}
    return Run(by_intent, by_phrase, by_state, heard, graded, decodes, spent, len(voices))


def judge_first_exact(nbest: dict[str, Any], grammar: Any) -> Any:
    """Notes' change 3: accept the first N-best alternative that is a grammar phrase."""
    from dialogue.speech.grammar import Judgement, _alt_texts

    texts = [t for t in _alt_texts(nbest) if t]
    for t in texts:
        if t in grammar.by_units:
            return Judgement(True, grammar.by_units[t], t, 1.0)
    return Judgement(False, "", texts[0] if texts else "", 0.0, reason="not_exact")


def _pct(a: int, n: int) -> str:
    return f"{100 * a / n:.1f} %" if n else "-"


def _top(c: Counter[str], k: int = 3) -> str:
    return ", ".join(f"{name} {n}" for name, n in c.most_common(k))


def report(r: Run, replies: dict[str, list[str]], *, phrases: bool, console: Console) -> None:
    t = Table(title="Per reply intent (graded: the script intent it means; '-': not graded)")
    for col in ("persona intent", "replies", "correct", "no-match", "wrong", "heard instead"):
        t.add_column(col, justify="left" if col in ("persona intent", "heard instead") else "right")
    graded_n = graded_ok = 0
    for intent in replies:
        tl = r.by_intent.get(intent)
        if tl is None:
            continue
        wrong = sum(v for k, v in tl.got.items() if k != "no-match")
        t.add_row(
            intent,
            str(tl.n),
            _pct(tl.correct, tl.n),
            _pct(tl.no_match, tl.n),
            _pct(wrong, tl.n),
            _top(tl.got),
        )
        if intent in r.graded:
            graded_n += tl.n
            graded_ok += tl.correct
    console.print(t)
    s = Table(title="Per state (grammar), graded and ungraded replies")
    for col in ("states", "decisions", "right"):
        s.add_column(col)
    for label, tl in r.by_state.items():
        s.add_row(label, str(tl.n), _pct(tl.correct, tl.n))
    console.print(s)
    if phrases:
        p = Table(title="Per phrase")
        for col in ("intent", "phrase", "n", "correct", "heard (model units)", "wrong intents"):
            p.add_column(col)
        for (intent, text), tl in sorted(
            r.by_phrase.items(), key=lambda kv: kv[1].correct / kv[1].n
        ):
            p.add_row(
                intent,
                text,
                str(tl.n),
                _pct(tl.correct, tl.n),
                _top(r.heard[(intent, text)]),
                _top(tl.got),
            )
        console.print(p)
    console.print(
        f"graded replies: {graded_ok}/{graded_n} correct = {_pct(graded_ok, graded_n)} "
        f"(voices: {r.voices}; {r.decodes} decodes, "
        f"{1000 * r.decode_s / max(r.decodes, 1):.1f} ms each)"
    )


def load_overrides(path: Path | None) -> dict[str, list[str]] | None:
    if path is None:
        return None
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        ("yes" if k is True else "no" if k is False else str(k)): list(v) for k, v in data.items()
    }


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--script", default="points_reminder")
    ap.add_argument(
        "--speeds", type=int, nargs="+", help="default: each persona's range ends and middle"
    )
    ap.add_argument("--pitches", type=int, nargs="+", help="default: each persona's range ends")
    ap.add_argument("--replies", type=Path, help="YAML: persona intent -> phrasings to try")
    ap.add_argument("--intents", nargs="+", help="only these persona intents")
    ap.add_argument("--phrases", action="store_true", help="also print a table per phrase")
    ap.add_argument("--strategy", choices=("mbr", "nbest", "nbest-first"), default="mbr")
    ap.add_argument("--min-confidence", type=float)
    args = ap.parse_args(argv)
    replies = korean_replies(load_overrides(args.replies))
    if args.intents:
        replies = {i: ps for i, ps in replies.items() if i in args.intents}
    voices = persona_voices(args.speeds, args.pitches)
    r = run(
        args.script, voices, replies, strategy=args.strategy, min_confidence=args.min_confidence
    )
    report(r, replies, phrases=args.phrases, console=Console(width=200))


if __name__ == "__main__":
    main()
