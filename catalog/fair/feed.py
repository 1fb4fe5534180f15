"""The Atom feed of catalog changes (django.utils.feedgenerator)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from catalog.fair import links as fair_links
from catalog.fair.changes import ChangeEvent

TITLES = {
    "revision": "{title}: revision {revision} ({kind})",
    "withdrawal": "{title}: withdrawn from the catalog",
    "removal": "{module}: removed from the public catalog",
}


def changes_feed(events: list[ChangeEvent], request=None) -> Atom1Feed:
    feed = Atom1Feed(
        title="AI Exchange: catalog changes",
        link=fair_links.absolute_url("/"),
        description="Revisions, withdrawals and removals of AI modules and tools.",
        feed_url=fair_links.absolute_url("/feed/changes.atom"),
        language="en",
        feed_guid=fair_links.absolute_url("/feed/changes.atom"),
    )
    for event in reversed(events):  # newest first
        title = TITLES[event.type].format(
            title=event.title or event.module,
            module=event.module,
            revision=event.revision,
            kind=event.revision_kind,
        )
        fields = ", ".join(event.changed_fields)
        description = event.reason or (f"Changed: {fields}." if fields else "")
        feed.add_item(
            title=title,
            link=event.url,
            description=description,
            unique_id=f"{event.url}#{event.type}-{event.revision or event.at.isoformat()}",
            unique_id_is_permalink=False,
            pubdate=event.at,
            updateddate=event.at,
            categories=[event.type],
        )
    if not events:
        feed.feed["updated"] = timezone.now()
    return feed
