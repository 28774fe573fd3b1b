"""Fit the shipped intent classifiers (scripts/intent_models/<script>.<language>.json).

Each is fitted on the fit set's single replies (simulator/fitset/replies), the script's
own phrases and the other scripts' replies of the language that its states can take
(``scripts.intent_pool``, at ``POOL_WEIGHT``); C, the temperature and the no-match
threshold are chosen by cross-validation on the script's own replies
(scripts/classifier_fit.py). Evaluation data is never read here.

    python tools/fit_intent_models.py [--scripts points_reminder.zh-CN ...]
        [--c-rule one_se|best] [--cs 0.5 2 8] [--pool-weight W]

``--pool-weight 0`` fits on the script's own replies and phrases only (the design before
pooling); ``--c-rule``, ``--cs``: see ``scripts.classifier_fit.choose_c``.
tools/intent_batch_cv.py compares these designs on wording the fit has not seen.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.classifier import load_classifier, model_path, write_classifier  # noqa: E402
from scripts.classifier_fit import (  # noqa: E402
    C_RULES,
    CS,
    Example,
    fit_classifier,
    phrase_examples,
    read_replies,
    widened_grammar,
)
from scripts.intent_pool import POOL_WEIGHT, pooled_examples  # noqa: E402
from scripts.loader import find_script, load_script  # noqa: E402
from scripts.schema import Script  # noqa: E402

FIT_SET = ROOT / "simulator" / "fitset" / "replies"
# Grammar mode is widened for these only: the Korean model's decoder, given the fit set's
# replies, began to join words across phrases (상담원 연결 heard as "안 상담원 연결").
WIDEN = ("zh-CN",)
SHIPPED = (
    "points_reminder.zh-CN",
    "wealth_followup.zh-CN",
    "dormant_reactivation.zh-CN",
    "points_reminder.ko-KR",
)


def pool(script: Script, own: list[Example], weight: float) -> list[Example]:
    """The other scripts' replies of the language the script's states can take."""
    others: list[tuple[Script, list[Example]]] = []
    for path in sorted(FIT_SET.glob(f"*.{script.language}.jsonl")):
        other_id = path.name.split(".", 1)[0]
        if other_id != script.id:
            other = load_script(find_script(other_id, script.language))
            others.append((other, read_replies(path)))
    return pooled_examples(script, own, others, weight)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scripts", nargs="+", default=list(SHIPPED))
    ap.add_argument(
        "--grammar-only", action="store_true", help="Only rewrite the shipped models' grammars"
    )
    ap.add_argument("--c-rule", choices=C_RULES, default="one_se")
    ap.add_argument("--cs", nargs="+", type=float, default=list(CS))
    ap.add_argument(
        "--pool-weight", type=float, default=POOL_WEIGHT, help="0: the script's replies only"
    )
    args = ap.parse_args()
    for name in args.scripts:
        script_id, language = name.split(".", 1)
        script = load_script(find_script(script_id, language))
        examples = read_replies(FIT_SET / f"{name}.jsonl") + phrase_examples(script)
        if args.grammar_only:
            shipped = load_classifier(script_id, language)
            if shipped is not None:
                shipped.grammar = {
                    k: tuple(v) for k, v in widened_grammar(script, examples).items()
                }
                write_classifier(shipped, model_path(script_id, language))
                print(f"{name}: grammar of {len(shipped.grammar)} states")
            continue
        if args.pool_weight > 0:
            examples += pool(script, examples, args.pool_weight)
        model, figures = fit_classifier(script, examples, cs=args.cs, c_rule=args.c_rule)
        if language not in WIDEN:
            model.grammar = {}
        path = model_path(script_id, language)
        write_classifier(model, path)
        print(f"{name}: {len(model.weights)} features, {figures} -> {path}")


if __name__ == "__main__":
    main()
