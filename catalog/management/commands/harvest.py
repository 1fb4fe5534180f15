"""``manage.py harvest``: read the catalog repositories now, with live progress."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from catalog.models import HarvestRun
from catalog.services.harvest import CatalogSpec, HarvestAlreadyRunning, Progress, harvest


class Command(BaseCommand):
    help = (
        "Harvest the module catalogs from GitHub and Docker Hub. Exits non-zero when the run "
        "fails (a catalog unreachable, another harvest running)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--only", metavar="NAME", help="harvest this module only")
        parser.add_argument(
            "--catalog",
            action="append",
            dest="catalogs",
            metavar="KIND=OWNER/REPO",
            help="catalog to read (repeatable; default: settings.HARVEST_CATALOGS), "
            "e.g. modules=ai4os-hub/modules-catalog",
        )
        parser.add_argument("--quiet", action="store_true", help="no progress lines")
        parser.add_argument(
            "--force",
            action="store_true",
            help="re-read and re-parse every module, even those whose commit did not change",
        )

    def handle(self, *args, **options):
        try:
            catalogs = [CatalogSpec.parse(c) for c in options["catalogs"] or []] or None
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        try:
            run = harvest(
                catalogs=catalogs,
                only=options["only"],
                trigger="command",
                progress=None if options["quiet"] else self._progress,
                force=options["force"],
            )
        except HarvestAlreadyRunning as exc:
            raise CommandError(str(exc)) from exc
        self._summary(run)
        if run.status == HarvestRun.Status.FAILED:
            raise CommandError(f"Harvest #{run.pk} failed: {run.message}")

    def _progress(self, event: Progress) -> None:
        width = len(str(event.total))
        outcome = event.outcome
        style = {
            "invalid": self.style.ERROR,
            "unreachable": self.style.ERROR,
            "withdrawn": self.style.WARNING,
            "new": self.style.SUCCESS,
            "updated": self.style.SUCCESS,
        }.get(outcome, str)
        detail = f"  {event.detail}" if event.detail else ""
        self.stdout.write(
            f"[{event.index:>{width}}/{event.total}] {event.name:<40} {style(outcome)}{detail}"
        )

    def _summary(self, run: HarvestRun) -> None:
        seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else 0
        total = run.modules_new + run.modules_updated + run.modules_unchanged + run.modules_failed
        style = {
            HarvestRun.Status.SUCCEEDED: self.style.SUCCESS,
            HarvestRun.Status.PARTIAL: self.style.WARNING,
        }.get(run.status, self.style.ERROR)
        self.stdout.write(style(f"Harvest #{run.pk} {run.get_status_display().lower()}"))
        self.stdout.write(
            f"  modules: {total} ({run.modules_new} new, {run.modules_updated} updated, "
            f"{run.modules_unchanged} unchanged, {run.modules_failed} failed, "
            f"{run.modules_withdrawn} withdrawn)"
        )
        self.stdout.write(
            f"  HTTP: {run.http_requests} requests, {run.conditional_hits} not modified (304), "
            f"{run.full_downloads} full downloads; {run.rate_limit_units} rate-limit units, "
            f"{run.rate_limit_wait_seconds:.1f} s waiting for rate limits"
        )
        self.stdout.write(f"  duration: {seconds:.1f} s")
        for error in run.errors:
            where = ":".join(str(x) for x in (error.get("file"), error.get("line")) if x)
            level = error.get("severity", "error")
            self.stdout.write(f"  {level}: {error.get('module')} {where} {error.get('message')}")
        if run.message:
            self.stdout.write(f"  {run.message}")
