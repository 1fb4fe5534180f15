"""`manage.py export_catalog [FILE]`: the curated catalog as JSON (stdout without FILE)."""

import json

from django.core.management.base import BaseCommand
from django.core.serializers.json import DjangoJSONEncoder

from catalog.services.transfer import export_catalog


class Command(BaseCommand):
    help = "Export modules, curated overrides, moderation, provenance and history as JSON."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="write here instead of standard output")

    def handle(self, *args, file=None, **options):
        text = json.dumps(export_catalog(), cls=DjangoJSONEncoder, ensure_ascii=False, indent=1)
        if file:
            with open(file, "w", encoding="utf-8") as handle:
                handle.write(text)
            self.stderr.write(f"Wrote {file}")
        else:
            self.stdout.write(text)
