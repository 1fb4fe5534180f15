"""`{% citation_published kind object_id as published %}`: when the owner published the
citation record of a deployment or pipeline run (None while private). A tag, so pages of
other apps (a pipeline run) show the switch without their views knowing about it."""

from django import template

from deployments import citation

register = template.Library()


@register.simple_tag
def citation_published(kind: str, object_id):
    return citation.published_at(kind, object_id)
