"""Grammar-mode accept/reject accuracy: word-confidence strategies side by side.

python -m bench.grammar_judge [--voices ko ko+f2 ...] [--speeds 140 170]

Every ko-KR reply of the simulator's reply bank (simulator/personas/_replies.yaml) is
rendered by simulator.tts (espeak-ng after the Korean respelling, mu-law 8 kHz) and
decoded with the whole bank as one grammar; off-topic sentences measure false accepts.
Strategies:

- ``nbest+mbr``: an N-best recognizer and a second word-confidence (MBR) recognizer on
  the same audio (the original judge: two decodes per utterance);
- ``mbr``: the word-confidence recognizer alone (one decode): accept when its 1-best is an
  exact grammar phrase with every word at or above the minimum confidence;
- ``nbest``: the N-best recognizer alone: exact top alternative (no word confidences).

Per strategy: correct accepts of real replies, wrong accepts (another phrase's intent),
false accepts of off-topic speech, decode time per utterance.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.table import Table

OFF_TOPIC = (
    "오늘 날씨가 정말 좋네요",
    "점심 뭐 먹을까요",
    "강아지가 짖고 있어요",
    "지하철이 늦게 와요",
    "커피 한 잔 주세요",
    "내일 비가 온대요",
)


def reply_bank() -> dict[str, list[str]]:
    path = Path(__file__).resolve().parent.parent / "simulator/personas/_replies.yaml"
    data: dict[str, dict[str, list[str]]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data["ko-KR"]


def run(voices: Sequence[str], speeds: Sequence[int], min_conf: float) -> list[dict[str, Any]]:
    from vosk import KaldiRecognizer

    from dialogue.speech.asr_models import ModelRegistry
    from dialogue.speech.grammar import build_grammar, judge
    from dialogue.speech.settings import SpeechSettings
    from simulator import audio
    from simulator.tts import Voice, render_mulaw

    reg = ModelRegistry(SpeechSettings())
    model = reg.model("ko-KR")
    bank = reply_bank()
    intent_of = {p: i for i, ps in bank.items() for p in ps}
    grammar = build_grammar(list(intent_of), reg.vocabulary("ko-KR"))
    gjson = grammar.vosk_json()
    cases: list[tuple[str | None, bytes]] = []
    for v in voices:
        for s in speeds:
            voice = Voice(language="ko-KR", espeak_voice=v, speed_wpm=s)
            for text in [*intent_of, *OFF_TOPIC]:
                pcm = audio.mulaw_to_pcm16(render_mulaw(text, voice)).tobytes()
                cases.append((intent_of.get(text), pcm))

    def rec(alts: bool) -> Any:
        r = KaldiRecognizer(model, 8000, gjson)
        r.SetWords(True)
        if alts:
            r.SetMaxAlternatives(10)
        return r

    def decode(r: Any, pcm: bytes) -> dict[str, Any]:
        for i in range(0, len(pcm), 1600):
            r.AcceptWaveform(pcm[i : i + 1600])
        out: dict[str, Any] = json.loads(r.FinalResult())
        return out

    nb, mb = rec(True), rec(False)
    rows = []
    for name in ("nbest+mbr", "mbr", "nbest"):
        ok = wrong = missed = fa = 0
        spent = 0.0
        for intent, pcm in cases:
            t0 = time.perf_counter()
            n = decode(nb, pcm) if name != "mbr" else {}
            m = decode(mb, pcm) if name != "nbest" else None
            spent += time.perf_counter() - t0
            if name == "mbr":
                assert m is not None
                j = judge(m, m, grammar, min_confidence=min_conf)
            else:
                j = judge(n, m, grammar, min_confidence=min_conf)
            got = intent_of.get(j.text) if j.accepted else None
            if intent is None:
                fa += got is not None
            elif got == intent:
                ok += 1
            elif got is None:
                missed += 1
            else:
                wrong += 1
        real = sum(1 for i, _ in cases if i is not None)
        off = len(cases) - real
        rows.append(
            {
                "strategy": name,
                "correct": f"{100 * ok / real:.1f} %",
                "wrong intent": f"{100 * wrong / real:.1f} %",
                "no-match": f"{100 * missed / real:.1f} %",
                "off-topic accepted": f"{100 * fa / off:.1f} %",
                "decode ms/utt": f"{1000 * spent / len(cases):.1f}",
                "utterances": str(len(cases)),
            }
        )
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--voices", nargs="+", default=["ko", "ko+f2", "ko+m3", "ko+f4"])
    ap.add_argument("--speeds", type=int, nargs="+", default=[140, 170])
    ap.add_argument("--min-confidence", type=float, default=0.7)
    args = ap.parse_args(argv)
    rows = run(args.voices, args.speeds, args.min_confidence)
    t = Table(title="Grammar judge on espeak-ng Korean replies (8 kHz, whole bank as grammar)")
    for k in rows[0]:
        t.add_column(k)
    for r in rows:
        t.add_row(*r.values())
    Console().print(t)


if __name__ == "__main__":
    main()
