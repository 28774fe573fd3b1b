"""Fit the shipped opt-out models (scripts/intent_models/optout.<language>.json).

Fitted on the fit set (simulator/fitset: optout.jsonl and the replies of every script);
C, temperature and threshold by cross-validation on the same data (scripts/optout_fit.py).
Evaluation data is never read here.

    python tools/fit_optout_models.py [--languages zh-CN ko-KR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.optout_fit import fit_optout_model, read_samples  # noqa: E402
from scripts.optout_model import model_path, write_optout_model  # noqa: E402

FIT_SET = ROOT / "simulator" / "fitset"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--languages", nargs="*", default=["zh-CN", "ko-KR"])
    ap.add_argument("--dry-run", action="store_true", help="print the CV figures only")
    args = ap.parse_args(argv)
    for language in args.languages:
        model, figures = fit_optout_model(read_samples(FIT_SET, language), language)
        print(language, " ".join(f"{k}={v:.3f}" for k, v in figures.items()))
        if not args.dry_run:
            write_optout_model(model, model_path(language))
            print("  wrote", model_path(language).relative_to(ROOT), len(model.weights), "weights")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
