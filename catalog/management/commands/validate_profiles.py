"""`manage.py validate_profiles`: validate everything we publish as DCAT / MLDCAT-AP against
the official shapes, offline, as the EOSC and data.europa.eu harvesters would."""

from django.core.management.base import BaseCommand, CommandError

from catalog.fair.conformance import SHAPES, documents, violations
from catalog.selectors import published_modules


class Command(BaseCommand):
    help = (
        "Validate /catalog.jsonld, every entry's JSON-LD, PAPI's profile=mldcatap and the "
        "OAI-PMH DCAT records against DCAT-AP 3.0.1 and MLDCAT-AP 3.1.0 (pyshacl). Fails when "
        "a violation is not one of the gaps docs/conformance.md explains."
    )

    def add_arguments(self, parser):
        parser.add_argument("--only", help="validate this entry only (its name)")

    def handle(self, *args, only=None, **options):
        modules = published_modules().order_by("name")
        if only:
            modules = modules.filter(name__iexact=only)
        modules = list(modules)
        if not modules:
            raise CommandError("No published entry to validate.")
        unexplained = 0
        for route, graph in documents(modules).items():
            for profile in SHAPES:
                found = violations(graph, profile)
                gaps = [f for f in found if f.known_gap]
                others = [f for f in found if not f.known_gap]
                unexplained += len(others)
                self.stdout.write(
                    f"{profile:16} {route:24} {len(others)} violations"
                    + (f" (+ {len(gaps)} known gaps)" if gaps else "")
                )
                for finding in others:
                    self.stdout.write(f"  {finding}")
        self.stdout.write(f"{len(modules)} {'entry' if len(modules) == 1 else 'entries'} checked.")
        if unexplained:
            raise CommandError(f"{unexplained} violations the conformance page does not explain.")
