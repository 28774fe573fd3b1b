"""Render the simulator's carrier announcements as the answer listener's shipped examples.

Writes dialogue/speech/data/announcements/{library.yaml,*.wav}: each announcement at
three speaking rates (the listener's bench renders held-out copies at other rates and
with noise). Run from the repository root: python tools/make_announcements.py
"""

from __future__ import annotations

from pathlib import Path

import yaml

from dialogue.speech.announcements import SHIPPED, write_wav
from simulator import audio, tts

# the simulator's line kinds, as the dialer's outcomes and the words a carrier says
KINDS = {
    "powered_off": ("powered_off", "关机"),
    "invalid": ("invalid", "空号"),
    "out_of_service": ("suspended", "停机"),
    "out_of_area": ("out_of_area", "不在服务区"),
    "restricted": ("restricted", "呼叫受限"),
}
RATES = (140, 150, 160)


def main(folder: Path = SHIPPED) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    v = tts.ANNOUNCEMENT_VOICE
    for kind, (outcome, label) in KINDS.items():
        for rate in RATES:
            voice = tts.Voice(v.language, v.espeak_voice, rate, v.pitch)
            name = f"sim-{outcome}-{rate}"
            pcm = audio.mulaw_to_pcm16(tts.render_mulaw(tts.ANNOUNCEMENTS[kind], voice))
            write_wav(folder / f"{name}.wav", pcm)
            entries.append(
                {"name": name, "outcome": outcome, "label": label, "file": f"{name}.wav"}
            )
    text = yaml.safe_dump({"entries": entries}, allow_unicode=True, sort_keys=False)
    (folder / "library.yaml").write_text(
        "# The simulator's announcements (tools/make_announcements.py): shipped examples.\n" + text,
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
