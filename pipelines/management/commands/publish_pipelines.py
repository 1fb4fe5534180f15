"""Write (or refresh) the catalog entry of every public pipeline and withdraw those of private
ones: for pipelines saved before they were catalog entries, or after a failed catalog write."""

from django.core.management.base import BaseCommand

from pipelines import catalog_entry
from pipelines.models import Pipeline


class Command(BaseCommand):
    help = "Publish every public pipeline's catalog entry (kind pipeline); withdraw private ones."

    def handle(self, *args, **options):
        published = withdrawn = 0
        for pipeline in Pipeline.objects.select_related("owner").order_by("name"):
            latest = pipeline.latest
            if latest is None:
                continue
            catalog_entry.refresh(latest)
            if pipeline.is_private:
                withdrawn += 1
            else:
                published += 1
        self.stdout.write(f"{published} pipeline entries published, {withdrawn} private.")
