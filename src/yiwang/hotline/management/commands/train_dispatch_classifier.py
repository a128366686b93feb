"""``manage.py train_dispatch_classifier``: retrain the smart-dispatch classifier (智能派单) and
report its held-out accuracy."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yiwang.hotline import classifier


class Command(BaseCommand):
    help = "Train the dispatch classifier on dispatched tickets (or --demo corpus) and report held-out accuracy."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--demo", action="store_true", help="train on the built-in demo corpus instead")
        parser.add_argument("--min-rows", type=int, default=30, help="refuse to train on fewer tickets")
        parser.add_argument("--test-fraction", type=float, default=0.25)
        parser.add_argument("--seed", type=int, default=12345)

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0 < options["test_fraction"] < 1:
            raise CommandError("--test-fraction must be between 0 and 1")
        if options["demo"]:
            rows, township_units = classifier.demo_training_rows()
            model, metrics = classifier.train_and_evaluate(
                rows, test_fraction=options["test_fraction"], seed=options["seed"],
                is_local=township_units.__contains__,
            )
            path = classifier.save_model(model)
            result = {**metrics, "rows": len(rows), "labels": len(model.labels), "path": str(path)}
        else:
            result = classifier.retrain_from_db(
                min_rows=options["min_rows"], test_fraction=options["test_fraction"], seed=options["seed"]
            )
        if "skipped" in result:
            raise CommandError(f"not trained: {result['skipped']}")
        self.stdout.write(
            f"trained on {result['rows']} tickets, {result['labels']} labels → {result['path']}\n"
            f"held-out ({result['test']} tickets): accuracy {result['accuracy']:.3f}, "
            f"top-3 {result['top3_accuracy']:.3f}, majority baseline {result['baseline']:.3f} "
            f"({result['majority_label']})"
        )
