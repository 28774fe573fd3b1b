"""Read a script from YAML; every error names the file, the line and the field."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from kernel.calls import LANGUAGE_TAG, SCRIPT_ID
from kernel.errors import InvalidInput, NotFound
from scripts.schema import Script

SCRIPTS_DIR = Path(__file__).parent

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class LoadProblem:
    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f"{self.field}: " if self.field else ""
        return f"{where}: {field}{self.message}"


class ScriptLoadError(InvalidInput):
    """The file is not a valid script; ``problems`` lists every error found."""

    code = "invalid_script"

    def __init__(self, problems: list[LoadProblem]) -> None:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(
            f"{first.field + ': ' if first.field else ''}{first.message}{more}",
            where=f"{first.file}:{first.line}" if first.line else first.file,
        )
        self.problems = problems


def _walk(
    node: yaml.Node, path: Path_, lines: dict[Path_, int], dupes: list[tuple[Path_, int, str]]
) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            kline = key_node.start_mark.line + 1
            if key in seen:
                dupes.append(((*path, key), kline, f"duplicate key {key!r}"))
            if key_node.tag == "tag:yaml.org,2002:bool":
                dupes.append(
                    (
                        (*path, key),
                        kline,
                        f"key {key!r} reads as a yes/no value in YAML: quote it or rename it",
                    )
                )
            seen.add(key)
            lines[(*path, key)] = kline
            _walk(value_node, (*path, key), lines, dupes)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[(*path, i)] = item.start_mark.line + 1
            _walk(item, (*path, i), lines, dupes)


def _line_for(loc: tuple[Any, ...], lines: dict[Path_, int]) -> tuple[int | None, str]:
    """Map a pydantic error location onto the YAML: skip union-member tags pydantic adds."""
    path: Path_ = ()
    for part in loc:
        cand = (*path, part)
        if cand in lines:
            path = cand
    return lines.get(path), ".".join(str(p) for p in path)


def parse_script(text: str, source: str = "<memory>") -> Script:
    """Parse YAML text into a Script, or raise ScriptLoadError listing every problem."""
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ScriptLoadError([LoadProblem(source, line, "", f"YAML: {exc.problem}")]) from exc
    except yaml.YAMLError as exc:
        raise ScriptLoadError([LoadProblem(source, None, "", f"YAML: {exc}")]) from exc
    if not isinstance(data, dict) or node is None:
        raise ScriptLoadError([LoadProblem(source, 1, "", "a script is a YAML mapping")])
    lines: dict[Path_, int] = {(): node.start_mark.line + 1}
    dupes: list[tuple[Path_, int, str]] = []
    _walk(node, (), lines, dupes)
    problems = [LoadProblem(source, ln, ".".join(map(str, p)), msg) for p, ln, msg in dupes]
    if problems:
        raise ScriptLoadError(problems)
    try:
        script = Script.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            line, field = _line_for(err["loc"], lines)
            shown = ".".join(str(p) for p in err["loc"]) or field
            problems.append(LoadProblem(source, line, shown, err["msg"]))
        raise ScriptLoadError(problems) from exc
    script.attach_source(source, lines)
    return script


def load_script(path: str | Path) -> Script:
    """Load and validate one script file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise NotFound("script file not found", where=str(p)) from exc
    except UnicodeDecodeError as exc:
        raise ScriptLoadError([LoadProblem(str(p), None, "", "not UTF-8 text")]) from exc
    return parse_script(text, str(p))


# (file, mtime, size) -> the parsed script: a file parses in 60-170 ms, and the console and
# the call records ask for the script of every call; a changed file has another key
_CURRENT: dict[tuple[str, int, int], Script] = {}


def current_script(script_id: str, language: str) -> Script:
    """The shipped script calls speak now (``find_script``), parsed once per file version."""
    path = find_script(script_id, language)
    try:
        st = path.stat()
    except OSError as exc:
        raise NotFound("script file not found", where=str(path)) from exc
    key = (str(path), st.st_mtime_ns, st.st_size)
    script = _CURRENT.get(key)
    if script is None:
        if len(_CURRENT) > 64:
            _CURRENT.clear()
        script = _CURRENT[key] = load_script(path)
    return script


def shipped_scripts() -> Iterator[Path]:
    """The script files shipped in this package."""
    yield from sorted(SCRIPTS_DIR.glob("*.yaml"))


def find_script(script_id: str, language: str) -> Path:
    """The shipped file of ``script_id`` in ``language`` (file name ``<id>.<language>.yaml``);
    an id or a language that is not an identifier is never joined into a path."""
    if not (SCRIPT_ID.fullmatch(script_id) and LANGUAGE_TAG.fullmatch(language)):
        raise NotFound(f"no shipped script {script_id!r} in {language!r}", where="scripts/")
    direct = SCRIPTS_DIR / f"{script_id}.{language}.yaml"
    if direct.exists():
        return direct
    for p in shipped_scripts():
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        meta = data.get("metadata", {}) if isinstance(data, dict) else {}
        if not isinstance(meta, dict):
            continue
        if (meta.get("id"), meta.get("language")) == (script_id, language):
            return p
    raise NotFound(f"no shipped script {script_id!r} in {language!r}", where="scripts/")
