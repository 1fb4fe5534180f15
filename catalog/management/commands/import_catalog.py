"""`manage.py import_catalog FILE`: restore or migrate a catalog exported by export_catalog."""

import json

from django.core.management.base import BaseCommand, CommandError

from catalog.services.transfer import TransferError, import_catalog


class Command(BaseCommand):
    help = "Import a catalog export; modules in the file replace those with the same name."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file: str, **options):
        try:
            with open(file, encoding="utf-8") as handle:
                document = json.load(handle)
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(f"{file} line {exc.lineno}: not JSON ({exc.msg})") from exc
        try:
            counts = import_catalog(document)
        except TransferError as exc:
            raise CommandError(f"{file}: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {counts['created']} new and {counts['updated']} existing modules."
            )
        )
