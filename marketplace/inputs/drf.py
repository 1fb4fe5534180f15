"""The JSON parser of every DRF route (REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] and every
view that names its parsers): DRF's JSONParser read through `load_json`."""

from __future__ import annotations

from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

from marketplace.inputs import InputError
from marketplace.inputs.json_body import load_json, max_body_bytes


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The body is too large."
    default_code = "too_large"


class BoundedJSONParser(JSONParser):
    """A body refused by `load_json` is a 400 (413 when too large) naming the field."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = max_body_bytes()
        # DRF hands over the request itself as the stream when nothing has read the body
        # yet, so Django's own size check never runs: read at most one byte past the limit.
        data = stream.read(limit + 1) if stream is not None else b""
        if len(data) > limit:
            raise BodyTooLarge(
                {"detail": f"The body is larger than {limit:,} bytes.", "field": "body"}
            )
        try:
            return load_json(data, max_bytes=limit)
        except InputError as exc:
            raise ParseError(exc.as_response_body()) from None
