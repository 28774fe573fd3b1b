"""What a campaign needs before it may be created, changed or started.

Every script it names (its own and its variants') is shipped in the campaign's language
and lints clean (``scripts.lint``), every frequency rule pack it names exists (shipped or
the bank's) and reads clean (``dialer.campaigns.packfiles``), and a speech model for the language is installed, or
the campaign is explicitly ``text_only`` (its calls never run the speech pipeline: a
simulation in text mode). ``launch_problems`` is the pure decision over those facts;
``LaunchChecks`` gathers them: the scripts from ``scripts``, the speech models through a
``SpeechModels`` adapter that the composition root passes in (the dialer stands below the
speech stack and does not import it). The API and the CLI raise the first problem as an
``InvalidInput`` naming the field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from dialer.campaigns.packfiles import PACKS_FIELD, load_packs, shipped_packs
from dialer.campaigns.spec import CampaignSpec
from kernel.errors import InvalidInput, NotFound
from scripts.lint import LintConfig, lint_path
from scripts.loader import find_script

MAX_LISTED = 3
LAUNCH_CHECKS = "launch_checks"  # their key in the CLI context's object (``tailcall.cli``)  # lint errors quoted in a problem's message


class SpeechModels(Protocol):
    def problem(self, language: str) -> str | None:
        """None when a speech model for ``language`` is installed, else what is missing
        and the fix (``tailcall models install ...``)."""
        ...


@dataclass(frozen=True)
class ScriptFacts:
    """What the loader and the linter found for one script id in one language."""

    found: bool
    lint_errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class LaunchProblem:
    where: str  # the spec's field
    message: str


def script_refs(spec: CampaignSpec) -> list[tuple[str, str]]:
    """(field, script id) of every script the campaign can run, the campaign's first."""
    refs = [("script_id", spec.script_id)]
    refs += [
        (f"variants[{i}].script_id", v.script_id)
        for i, v in enumerate(spec.variants)
        if v.script_id
    ]
    return refs


def launch_problems(
    spec: CampaignSpec,
    scripts: Mapping[str, ScriptFacts],
    model_problem: str | None,
    pack_problems: Mapping[str, str] | None = None,
) -> list[LaunchProblem]:
    """Everything that stops ``spec`` from running, in field order (pure).
    ``pack_problems``: what is wrong with a named rule pack (missing or unreadable)."""
    out: list[LaunchProblem] = []
    for where, script_id in script_refs(spec):
        facts = scripts.get(script_id, ScriptFacts(found=False))
        if not facts.found:
            out.append(
                LaunchProblem(where, f"no script {script_id!r} in {spec.language} is installed")
            )
        elif facts.lint_errors:
            listed = "; ".join(facts.lint_errors[:MAX_LISTED])
            more = len(facts.lint_errors) - MAX_LISTED
            tail = f" (and {more} more)" if more > 0 else ""
            out.append(
                LaunchProblem(
                    where,
                    f"script {script_id!r} ({spec.language}) does not lint clean: {listed}{tail}"
                    " (see `tailcall scripts lint`)",
                )
            )
    for i, name in enumerate(spec.compliance.rule_packs):
        problem = (pack_problems or {}).get(name)
        if problem is not None:
            out.append(LaunchProblem(f"compliance.rule_packs[{i}]", problem))
    if not spec.text_only and model_problem is not None:
        out.append(
            LaunchProblem(
                "language",
                f"no speech model for {spec.language}: {model_problem} "
                "(or set text_only for a campaign whose calls run without speech)",
            )
        )
    return out


@dataclass
class LaunchChecks:
    """Gathers the facts for ``launch_problems`` and raises the first problem."""

    models: SpeechModels
    lint: LintConfig = field(default_factory=LintConfig)
    find: Callable[[str, str], Path] = find_script  # (script id, language) -> its file
    packs_dir: Path | None = None  # the bank's rule packs (``TAILCALL_DIALER_RULEPACKS_DIR``)

    def facts(self, spec: CampaignSpec) -> dict[str, ScriptFacts]:
        out: dict[str, ScriptFacts] = {}
        for _where, script_id in script_refs(spec):
            if script_id in out:
                continue
            try:
                path = self.find(script_id, spec.language)
            except NotFound:
                out[script_id] = ScriptFacts(found=False)
                continue
            errors = tuple(
                f"{f.rule}: {f.message}"
                for f in lint_path(path, self.lint)
                if f.severity == "error"
            )
            out[script_id] = ScriptFacts(found=True, lint_errors=errors)
        return out

    def pack_problems(self, spec: CampaignSpec) -> dict[str, str]:
        out: dict[str, str] = {}
        for name in spec.compliance.rule_packs:
            try:
                load_packs([name], self.packs_dir)
            except InvalidInput as exc:
                if exc.where == PACKS_FIELD:  # not found
                    out[name] = (
                        f"no rule pack {name!r} (shipped: {', '.join(shipped_packs())}; the"
                        " bank's are read from TAILCALL_DIALER_RULEPACKS_DIR)"
                    )
                else:
                    out[name] = f"rule pack {name!r} does not read: {exc}"
        return out

    def problems(self, spec: CampaignSpec) -> list[LaunchProblem]:
        model = None if spec.text_only else self.models.problem(spec.language)
        return launch_problems(spec, self.facts(spec), model, self.pack_problems(spec))

    def check(self, spec: CampaignSpec) -> None:
        """Raise ``InvalidInput`` naming the field of the first problem."""
        problems = self.problems(spec)
        if problems:
            first = problems[0]
            raise InvalidInput(first.message, where=first.where)
