"""``manage.py load_demo``: the offline demo catalog (46 AI4OS catalog modules, 2 tools)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from catalog.services.demo import load_demo_snapshot, read_snapshot
from catalog.services.demo_multisource import load_multisource_snapshot


class Command(BaseCommand):
    help = (
        "Load the demo catalog from catalog/demo/snapshot.json (idempotent). Modules a real "
        "harvest has published are kept unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="overwrite modules published by a real harvest"
        )

    def handle(self, *args, **options):
        result = load_demo_snapshot(force=options["force"])
        total = len(result.new) + len(result.updated) + len(result.unchanged)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo catalog: {total} entries ({len(result.new)} new, "
                f"{len(result.updated)} updated, {len(result.unchanged)} unchanged)"
            )
        )
        others = load_multisource_snapshot()
        self.stdout.write(
            self.style.SUCCESS(
                f"Other sources (Hugging Face, BioImage.io, AI-on-Demand): {others.new} new, "
                f"{others.updated} updated, {others.unchanged} unchanged"
            )
        )
        if result.skipped:
            self.stdout.write(
                f"Kept {len(result.skipped)} harvested module(s) as they are: "
                + ", ".join(result.skipped)
            )
        if options["verbosity"] > 1:
            self.stdout.write(read_snapshot()["attribution"]["statement"])
