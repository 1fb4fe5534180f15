"""The OAI-PMH endpoint: parse, dispatch, stream the XML answer."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from catalog.fair.oai import protocol
from catalog.fair.oai.xmlout import attr, element, text
from marketplace.inputs.form_text import refuses_bad_text_itself

logger = logging.getLogger(__name__)

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
CONTENT_TYPE = "text/xml; charset=utf-8"


def _opening(verb: str | None, arguments: dict[str, str]) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    echo = "".join(f" {key}={attr(value)}" for key, value in sorted(arguments.items()))
    verb_attr = f" verb={attr(verb)}" if verb else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<OAI-PMH xmlns="{OAI_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{OAI_NS} {OAI_SCHEMA}">'
        f"<responseDate>{now}</responseDate>"
        f"<request{verb_attr}{echo}>{text(protocol.base_url())}</request>"
    )


def _document(verb: str | None, arguments: dict[str, str], body: Iterable[str]) -> Iterator[str]:
    yield _opening(verb, arguments)
    yield from body
    yield "</OAI-PMH>\n"


def _error(verb: str | None, arguments: dict[str, str], error: protocol.OAIError) -> HttpResponse:
    # badVerb/badArgument: the request echo carries no attributes (protocol §3.2).
    if error.code in ("badVerb", "badArgument"):
        verb, arguments = None, {}
    body = element("error", error.message, code=error.code)
    return HttpResponse("".join(_document(verb, arguments, [body])), content_type=CONTENT_TYPE)


def _body(verb: str, arguments: dict[str, str]) -> Iterable[str]:
    if verb == "Identify":
        return protocol.identify()
    if verb == "ListMetadataFormats":
        return protocol.list_metadata_formats(arguments)
    if verb == "ListSets":
        return protocol.list_sets(arguments)
    if verb == "GetRecord":
        return protocol.get_record(arguments)
    return protocol.list_items(verb, arguments)


@csrf_exempt
@refuses_bad_text_itself  # OAI-PMH answers badArgument, in its own XML
@require_http_methods(["GET", "HEAD", "POST"])
def oai_endpoint(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else request.GET
    verb, arguments = None, {}
    try:
        verb, arguments = protocol.parse_arguments(data)
        body = _body(verb, arguments)
        if verb not in ("ListIdentifiers", "ListRecords"):
            body = list(body)  # small answers: render now so errors surface as OAI errors
    except protocol.OAIError as error:
        return _error(verb, arguments, error)
    response = StreamingHttpResponse(_document(verb, arguments, body), content_type=CONTENT_TYPE)
    return response
