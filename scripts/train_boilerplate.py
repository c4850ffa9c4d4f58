"""Train the boilerplate line classifiers and write them to `corpus_kit/models/`.

Reproduces the shipped model exactly from the shared evaluation data (set A of
`../shared/data/README.md`). Training uses only the pages of scrapinghub_aeb, cleaneval,
cleanportaleval and trafilatura_eval (their labelled lines); l3s_gn1 and dragnet are research-only
and AGPL respectively, so they are scored, never trained on.

Each classifier is two gradient-boosted tree models (scikit-learn, training time only): the first
sees per-line and neighbourhood features, the second also the first model's out-of-fold
probabilities of the neighbours. Both are exported as plain JSON trees that
`corpus_kit.stages.boilerplate` evaluates with NumPy. `boilerplate.json` is the plain-text model;
`boilerplate_html.json`, for HTML pages, also reads each line's share in trafilatura's main text
of the page (`corpus_kit.loaders.html_lines`).

Usage:
    python scripts/train_boilerplate.py [--data ../shared/data] [--cv] [--models DIR]

`--cv` also prints page-grouped 3-fold cross-validation scores on the training sources and the
scores of the final model on the evaluation-only sources (the shared scorer's metric).
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus_kit.config import BoilerplateConfig  # noqa: E402
from corpus_kit.loaders.html_lines import page_shares  # noqa: E402
from corpus_kit.stages.boilerplate import HTML_MODEL_FILE, MODEL_FILE, keep_decisions  # noqa: E402
from corpus_kit.stages.line_features import (  # noqa: E402
    CONTEXT_FEATURES,
    LINE_FEATURES,
    MAIN_TEXT_FEATURES,
    context_features,
    line_features,
    main_text_features,
)

TRAIN_SOURCES = ("scrapinghub_aeb", "cleaneval_dev", "cleaneval_final", "cleanportaleval", "trafilatura_eval")
FOLDS = 3
SEED = 0
PARAMS = {
    "max_iter": 200,
    "learning_rate": 0.08,
    "max_leaf_nodes": 31,
    "max_depth": 7,
    "min_samples_leaf": 40,
    "l2_regularization": 1.0,
    "early_stopping": False,
    "random_state": SEED,
}


def load_pages(data_dir: Path) -> list[dict]:
    """Read set A pages, keeping only the fields training and scoring need."""
    keep = ("id", "source", "url", "html", "naive_lines", "line_labels", "gt_type", "gt_text", "gt_empty",
            "with", "without", "snippets_found")  # fmt: skip
    pages = []
    for path in sorted((data_dir / "boilerplate").glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                record = json.loads(line)
                pages.append({key: record.get(key) for key in keep})
    return pages


def fold_of(page_id: str) -> int:
    """Page-grouped fold, stable across runs (not tied to the holdout split rule)."""
    import hashlib

    return int(hashlib.sha256(("fold:" + page_id).encode()).hexdigest()[:8], 16) % FOLDS


def page_weights(lines: list[str], known: np.ndarray) -> np.ndarray:
    """Weights of the labelled lines: longer lines count more, and every page counts the same.

    The metric averages token scores per page, so each page gets the same total weight, spread
    over its labelled lines (all lines of full-text pages, the snippet lines of trafilatura ones).
    """
    tokens = np.sqrt(np.array([len(line.split()) for line in lines], dtype=np.float64) + 1.0)[known]
    return tokens / tokens.sum() * 100.0 if len(tokens) else tokens


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray):
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    model = HistGradientBoostingClassifier(**PARAMS)
    with threadpool_limits(limits=1):  # one thread: sums in a fixed order, the same file every run
        model.fit(x, y, sample_weight=w)
    return model


def export(model, names: tuple[str, ...]) -> dict:
    """Return the fitted classifier as plain JSON-able trees."""
    trees = []
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        trees.append(
            {
                "feature": nodes["feature_idx"].astype(int).tolist(),
                "threshold": nodes["num_threshold"].astype(float).tolist(),
                "left": nodes["left"].astype(int).tolist(),
                "right": nodes["right"].astype(int).tolist(),
                "missing_left": nodes["missing_go_to_left"].astype(int).tolist(),
                "leaf": nodes["is_leaf"].astype(int).tolist(),
                "value": nodes["value"].astype(float).tolist(),
            }
        )
    return {
        "features": list(names),
        "baseline": float(np.ravel(model._baseline_prediction)[0]),
        "trees": trees,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=ROOT / ".." / "shared" / "data")
    parser.add_argument("--models", type=Path, default=ROOT / "corpus_kit" / "models")
    parser.add_argument("--cv", action="store_true")
    args = parser.parse_args()

    pages = load_pages(args.data)
    feats = [line_features(p["naive_lines"], p["url"]) for p in pages]
    html_feats = [
        np.hstack([f, main_text_features([page_shares(p["naive_lines"], p["html"], p["url"])])])
        for f, p in zip(feats, pages, strict=True)
    ]
    for name, blocks, names in (
        (MODEL_FILE, feats, LINE_FEATURES),
        (HTML_MODEL_FILE, html_feats, LINE_FEATURES + MAIN_TEXT_FEATURES),
    ):
        feats2, artifact = train(pages, blocks, names)
        output = args.models / name
        output.write_text(json.dumps(artifact, separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"wrote {output} ({output.stat().st_size / 1e6:.2f} MB)", file=sys.stderr)
        if args.cv:
            print(name)
            report_cv(pages, feats2, args.data, html=name == HTML_MODEL_FILE)


def stack(
    pages: list[dict], indices: list[int], blocks: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, labels and weights of the labelled lines of `pages[indices]`."""
    xs, ys, ws = [], [], []
    for i in indices:
        labels = np.array([-1 if v is None else v for v in pages[i]["line_labels"]])
        known = labels >= 0
        xs.append(blocks[i][known])
        ys.append(labels[known])
        ws.append(page_weights(pages[i]["naive_lines"], known))
    return np.vstack(xs).astype(np.float64), np.concatenate(ys), np.concatenate(ws)


def train(
    pages: list[dict], feats: list[np.ndarray], names: tuple[str, ...]
) -> tuple[list[np.ndarray], dict]:
    """Fit both passes on the training sources; return the second-pass features and the artifact."""
    train_pages = [i for i, p in enumerate(pages) if p["source"] in TRAIN_SOURCES]
    # First pass: out-of-fold probabilities on training pages, full-model ones elsewhere.
    first = out_of_fold(pages, feats)
    model1 = fit(*stack(pages, train_pages, feats))
    for i, p in enumerate(pages):
        if p["source"] not in TRAIN_SOURCES:
            first[i] = model1.predict_proba(feats[i].astype(np.float64))[:, 1]
    feats2 = [
        np.hstack([feats[i], context_features(first[i], p["naive_lines"])]) for i, p in enumerate(pages)
    ]
    model2 = fit(*stack(pages, train_pages, feats2))
    artifact = {
        "format": "corpus_kit.boilerplate.v1",
        "trained_on": list(TRAIN_SOURCES),
        "params": PARAMS,
        "first_pass": export(model1, names),
        "second_pass": export(model2, names + CONTEXT_FEATURES),
    }
    return feats2, artifact


def out_of_fold(pages: list[dict], features: list[np.ndarray]) -> list:
    """Return each training page's probabilities from the model fitted without its fold (None elsewhere)."""
    train_pages = [i for i, p in enumerate(pages) if p["source"] in TRAIN_SOURCES]
    folds = [fold_of(pages[i]["id"]) for i in train_pages]
    out = [None] * len(features)
    for fold in range(FOLDS):
        rest = [i for i, f in zip(train_pages, folds, strict=True) if f != fold]
        model = fit(*stack(pages, rest, features))
        for i, f in zip(train_pages, folds, strict=True):
            if f == fold:
                out[i] = model.predict_proba(features[i].astype(np.float64))[:, 1]
    return out


def report_cv(pages: list[dict], feats2: list[np.ndarray], data_dir: Path, html: bool) -> None:
    """Print grouped-CV scores on the training sources and final-model scores on the others."""
    spec = importlib.util.spec_from_file_location(
        "score_boilerplate", data_dir / ".." / "bench" / "score_boilerplate.py"
    )
    scorer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scorer)
    second = out_of_fold(pages, feats2)
    final = fit(*stack(pages, [i for i, p in enumerate(pages) if p["source"] in TRAIN_SOURCES], feats2))
    for i in range(len(pages)):
        if second[i] is None:
            second[i] = final.predict_proba(feats2[i].astype(np.float64))[:, 1]
    for threshold, heading in ((0.4, 0.2), (0.5, 0.5), (0.5, 0.3), (0.5, 0.2), (0.6, 0.3)):
        cfg = BoilerplateConfig(threshold=threshold, heading_threshold=heading)
        kept = {}
        for i, p in enumerate(pages):
            keep = keep_decisions(
                p["naive_lines"], second[i], cfg, feats2[i][:, len(LINE_FEATURES)] if html else None
            )
            kept[p["id"]] = "\n".join(line for line, k in zip(p["naive_lines"], keep, strict=True) if k)
        result = scorer.score(pages, kept)
        scores = {k: v for k, v in result.items() if not k.startswith("_")}
        row = " ".join(f"{k[:10]}={v['P']:.3f}/{v['R']:.3f}/{v['F1']:.3f}" for k, v in scores.items())
        mean = result["_mean_F1_full_text_sources"]
        print(f"threshold {threshold} heading {heading}: mean F1={mean:.3f} (P/R/F1) {row}")


if __name__ == "__main__":
    main()
