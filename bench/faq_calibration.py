"""Calibration of FAQ retrieval: raw scores of paraphrases against those of everything else.

Run from the project root (tests/unit/assistant/test_faq.py asserts the figures):

    .venv/bin/python -m bench.faq_calibration

Data: ``bench/data/faq_calibration.json`` holds messages over the demo
businesses of ``assistant_businesses.json`` and the Lahore salon of issue 15
(the salon's services with a two-entry FAQ), each labelled with the FAQ
question it asks, or empty when no entry answers it. A message is *right* when
the best entry is the labelled one. The table shows, per confidence threshold,
the precision (right among the answered) and recall (answered right among the
paraphrases), where *answered* means the best entry's calibrated confidence
reaches the threshold.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from uuid import NAMESPACE_URL, uuid5

from rich.console import Console
from rich.table import Table

from b2a.assistant import faq
from b2a.assistant.shapes import CatalogView, FaqItem
from bench.assistant_eval import load_businesses

DATA = Path(__file__).parent / "data" / "faq_calibration.json"
THRESHOLDS = (0.5, 0.7, 0.8, 0.85, 0.9)


@dataclass(frozen=True)
class Scored:
    """One labelled message, the entry retrieval put first and its scores."""

    business: str
    text: str
    expected: str
    found: str
    score: float
    confidence: float

    @property
    def right(self) -> bool:
        return self.found == self.expected


def catalogs() -> dict[str, CatalogView]:
    """The demo businesses' catalogues plus the calibration file's own businesses."""
    views = {key: business.catalog for key, business in load_businesses().items()}
    spec = json.loads(DATA.read_text())
    for key, extra in spec["businesses"].items():
        entries = tuple(
            FaqItem(uuid5(NAMESPACE_URL, f"{key}/faq/{f['question']}"), f["question"], f["answer"])
            for f in extra["faq"]
        )
        base = views[extra["services_of"]]
        views[key] = CatalogView(key, base.services, entries)
    return views


def score_all() -> list[Scored]:
    """Every labelled message with the best entry found for it."""
    views = catalogs()
    scored = []
    for case in json.loads(DATA.read_text())["cases"]:
        found = faq.best(views[case["business"]], case["text"])
        scored.append(
            Scored(
                case["business"],
                case["text"],
                case["faq"],
                found.entry.question if found else "",
                found.score if found else 0.0,
                found.confidence if found else 0.0,
            )
        )
    return scored


def precision_recall(scored: list[Scored], threshold: float) -> tuple[float, float]:
    """Precision of the answered and recall of the paraphrases at ``threshold``."""
    answered = [s for s in scored if s.confidence >= threshold]
    right = [s for s in answered if s.right]
    positives = [s for s in scored if s.expected]
    precision = len(right) / len(answered) if answered else 1.0
    return precision, len(right) / len(positives)


def main() -> None:
    """Print the precision and recall per threshold, and the highest-scoring negatives."""
    scored = score_all()
    console = Console()
    table = Table(title=f"FAQ retrieval on {len(scored)} labelled messages")
    for column in ("confidence ≥", "precision", "recall"):
        table.add_column(column, justify="right")
    for threshold in THRESHOLDS:
        precision, recall = precision_recall(scored, threshold)
        table.add_row(f"{threshold:.2f}", f"{precision:.3f}", f"{recall:.3f}")
    console.print(table)
    wrong = sorted((s for s in scored if not s.right), key=lambda s: -s.score)
    misses = Table(title="Highest-scoring wrong or missed entries")
    for column in ("business", "message", "expected", "found", "raw", "confidence"):
        misses.add_column(column)
    for s in wrong[:25]:
        misses.add_row(
            s.business, s.text, s.expected, s.found, f"{s.score:.3f}", f"{s.confidence:.3f}"
        )
    console.print(misses)


if __name__ == "__main__":
    main()
