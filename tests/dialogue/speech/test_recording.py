from __future__ import annotations

import os
import stat
import wave
from pathlib import Path

import numpy as np

from dialogue.speech.recording import StereoRecording
from kernel.settings import Settings


def test_channels_are_aligned_by_time(tmp_path: Path) -> None:
    rec = StereoRecording(tmp_path / "c.wav", 8000)
    cust = (np.ones(160, dtype=np.int16) * 1000).tobytes()
    bot = (np.ones(160, dtype=np.int16) * -2000).tobytes()
    events = [(i * 0.02, 0, cust if i < 25 else bytes(320)) for i in range(50)]
    # the bot speaks from 0.5 s to 1.0 s (paced output, stamped at each frame's end)
    events += [(0.5 + (i + 1) * 0.02, 1, bot) for i in range(25)]
    for at, ch, pcm in sorted(events, key=lambda e: e[0]):
        rec.add(ch, pcm, 8000, at=at)
    rec.close()
    with wave.open(str(tmp_path / "c.wav")) as w:
        assert w.getnchannels() == 2 and w.getframerate() == 8000
        a = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).reshape(-1, 2)
    left_on = np.flatnonzero(a[:, 0])
    right_on = np.flatnonzero(a[:, 1])
    assert left_on[0] == 0 and abs(left_on[-1] / 8000 - 0.5) < 0.03
    assert abs(right_on[0] / 8000 - 0.5) < 0.12 and len(right_on) == 25 * 160


def test_a_recording_at_rest_is_the_service_users_only(tmp_path: Path) -> None:
    """Under serve's umask (``Settings.ensure_dirs``) a recording and its folder are the
    service user's only: other accounts cannot read it, the app serves it (audited)."""
    before = os.umask(0o022)
    try:
        settings = Settings(env="test", data_dir=tmp_path / "var")
        settings.ensure_dirs()
        path = settings.data_dir / "recordings" / "CA1.wav"
        rec = StereoRecording(path, 8000)
        rec.add(0, bytes(320), 8000, at=0.0)
        rec.close()
    finally:
        os.umask(before)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(settings.data_dir.stat().st_mode) == 0o700
