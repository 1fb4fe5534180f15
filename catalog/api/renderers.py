"""Linked-data renderers: the data handed to them is already a serialised graph."""

from rest_framework.renderers import BaseRenderer, JSONRenderer


class JSONLDRenderer(JSONRenderer):
    media_type = "application/ld+json"
    format = "jsonld"


class TurtleRenderer(BaseRenderer):
    media_type = "text/turtle"
    format = "ttl"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, str):
            return data.encode(self.charset)
        # Errors reach this renderer too: keep them readable.
        return str(data.get("detail", data) if isinstance(data, dict) else data).encode()
