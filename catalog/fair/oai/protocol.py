"""Argument checking and the list/record logic of OAI-PMH 2.0, independent of HTTP."""

from __future__ import annotations

import datetime as dt
import gc
import re
from collections.abc import Iterator, Mapping
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Min, QuerySet

from catalog.fair import links as fair_links
from catalog.fair.oai import sets, tokens
from catalog.fair.oai.formats import FORMATS
from catalog.fair.oai.xmlout import element, text
from catalog.models import Module
from catalog.selectors import module_named
from marketplace.inputs import InputError
from marketplace.inputs.datetimes import parse_datetime_input

VERBS = {
    # verb: (required, optional, accepts resumptionToken)
    "Identify": (frozenset(), frozenset(), False),
    "ListMetadataFormats": (frozenset(), frozenset({"identifier"}), False),
    "ListSets": (frozenset(), frozenset(), True),
    "GetRecord": (frozenset({"identifier", "metadataPrefix"}), frozenset(), False),
    "ListIdentifiers": (frozenset({"metadataPrefix"}), frozenset({"from", "until", "set"}), True),
    "ListRecords": (frozenset({"metadataPrefix"}), frozenset({"from", "until", "set"}), True),
}
# OAI-PMH's two granularities; the calendar itself is checked by the site's one date reader.
DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
SECOND = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", re.ASCII)


class OAIError(Exception):
    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


def page_size() -> int:
    return int(getattr(settings, "OAI_PAGE_SIZE", 100))


def sets_enabled() -> bool:
    return bool(getattr(settings, "OAI_SETS_ENABLED", True))


def repository_identifier() -> str:
    configured = getattr(settings, "OAI_REPOSITORY_IDENTIFIER", "")
    return configured or (urlsplit(fair_links.site_url()).hostname or "localhost")


def base_url() -> str:
    return fair_links.absolute_url("/oai")


def oai_identifier(module: Module) -> str:
    return f"oai:{repository_identifier()}:{module.name}"


def datestamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- arguments ---------------------------------------------------------------------------


def parse_arguments(data: Mapping) -> tuple[str, dict[str, str]]:
    """(verb, arguments) or OAIError(badVerb/badArgument) from a QueryDict."""
    verbs = data.getlist("verb")
    if len(verbs) != 1:
        raise OAIError("badVerb", "Give exactly one verb argument." if verbs else "No verb given.")
    verb = verbs[0]
    if verb not in VERBS:
        raise OAIError("badVerb", f"“{verb[:40]}” is not an OAI-PMH verb.")
    required, optional, resumable = VERBS[verb]
    allowed = required | optional | ({"resumptionToken"} if resumable else set())
    arguments: dict[str, str] = {}
    for key in data:
        if key == "verb":
            continue
        values = data.getlist(key)
        if key not in allowed:
            raise OAIError("badArgument", f"“{key[:40]}” is not an argument of {verb}.")
        if len(values) > 1:
            raise OAIError("badArgument", f"“{key}” was given more than once.")
        arguments[key] = values[0]
    if "resumptionToken" in arguments:
        if len(arguments) > 1:
            raise OAIError("badArgument", "resumptionToken is exclusive: give no other argument.")
        return verb, arguments
    missing = sorted(required - set(arguments))
    if missing:
        raise OAIError("badArgument", f"{verb} needs the argument(s): {', '.join(missing)}.")
    return verb, arguments


def parse_date(value: str, *, end: bool, argument: str) -> dt.datetime:
    """The first moment ``from`` names, or the first moment after ``until`` (``end``)."""
    if DAY.fullmatch(value):
        step = dt.timedelta(days=1)
    elif SECOND.fullmatch(value):
        step = dt.timedelta(seconds=1)
    else:
        raise OAIError(
            "badArgument",
            f"“{value[:40]}” is not a UTC datestamp (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ).",
        )
    try:
        moment = parse_datetime_input(value, field=argument)
    except InputError as exc:
        raise OAIError("badArgument", f"{exc}.") from None
    return moment + step if end else moment


def check_dates(from_: str | None, until: str | None) -> tuple[dt.datetime | None, ...]:
    start = parse_date(from_, end=False, argument="from") if from_ else None
    stop = parse_date(until, end=True, argument="until") if until else None
    if from_ and until:
        if len(from_) != len(until):
            raise OAIError("badArgument", "from and until must have the same granularity.")
        if start >= stop:
            raise OAIError("badArgument", "from is later than until.")
    return start, stop


def find_module(identifier: str) -> Module:
    prefix = f"oai:{repository_identifier()}:"
    # The scheme and the host are case-insensitive, and so are names: any case finds the item
    # (its record carries the canonical identifier).
    matches = identifier[: len(prefix)].lower() == prefix.lower()
    module = module_named(identifier[len(prefix) :]) if matches else None
    if module is None:
        raise OAIError("idDoesNotExist", f"No item has the identifier “{identifier[:200]}”.")
    return module


def metadata_format(prefix: str):
    if prefix not in FORMATS:
        raise OAIError(
            "cannotDisseminateFormat",
            f"“{prefix[:40]}” is not offered; use one of: {', '.join(FORMATS)}.",
        )
    return FORMATS[prefix]


# --- verbs -------------------------------------------------------------------------------


def identify() -> Iterator[str]:
    earliest = Module.objects.aggregate(earliest=Min("modified_at"))["earliest"]
    email = getattr(settings, "OAI_ADMIN_EMAIL", "") or "catalog@ai-exchange.example.org"
    yield "<Identify>"
    yield element("repositoryName", getattr(settings, "SITE_NAME", "AI Exchange"))
    yield element("baseURL", base_url())
    yield element("protocolVersion", "2.0")
    yield element("adminEmail", email)
    yield element(
        "earliestDatestamp",
        datestamp(earliest) if earliest else "1970-01-01T00:00:00Z",
    )
    yield element("deletedRecord", "persistent")
    yield element("granularity", "YYYY-MM-DDThh:mm:ssZ")
    yield element("compression", "gzip")
    yield "</Identify>"


def list_metadata_formats(arguments: dict[str, str]) -> Iterator[str]:
    if "identifier" in arguments:
        module = find_module(arguments["identifier"])
        if not module.is_published:
            raise OAIError(
                "noMetadataFormats",
                "The item is deleted (withdrawn or hidden): no metadata is disseminated.",
            )
    chunks = ["<ListMetadataFormats>"]
    for fmt in FORMATS.values():
        chunks.append(
            "<metadataFormat>"
            + element("metadataPrefix", fmt.prefix)
            + element("schema", fmt.schema)
            + element("metadataNamespace", fmt.namespace)
            + "</metadataFormat>"
        )
    chunks.append("</ListMetadataFormats>")
    return iter(chunks)


def list_sets(arguments: dict[str, str]) -> Iterator[str]:
    if "resumptionToken" in arguments:
        raise OAIError("badResumptionToken", "ListSets is never split: no token is valid.")
    if not sets_enabled():
        raise OAIError("noSetHierarchy", "This repository does not support sets.")
    chunks = ["<ListSets>"]
    for spec, name in sets.all_sets():
        chunks.append("<set>" + element("setSpec", spec) + element("setName", name) + "</set>")
    chunks.append("</ListSets>")
    return iter(chunks)


def header(module: Module) -> str:
    deleted = not module.is_published
    status = ' status="deleted"' if deleted else ""
    specs = "".join(element("setSpec", spec) for spec in sets.record_set_specs(module))
    return (
        f"<header{status}>"
        + element("identifier", oai_identifier(module))
        + element("datestamp", datestamp(module.modified_at))
        + specs
        + "</header>"
    )


def record(module: Module, fmt) -> str:
    if not module.is_published:
        return "<record>" + header(module) + "</record>"
    return "<record>" + header(module) + "<metadata>" + fmt.render(module) + "</metadata></record>"


def get_record(arguments: dict[str, str]) -> Iterator[str]:
    fmt = metadata_format(arguments["metadataPrefix"])
    module = find_module(arguments["identifier"])
    return iter(["<GetRecord>", record(module, fmt), "</GetRecord>"])


def _list_request(verb: str, arguments: dict[str, str]) -> tuple[tokens.ListRequest, bool]:
    if "resumptionToken" in arguments:
        try:
            return tokens.redeem(arguments["resumptionToken"], verb), True
        except tokens.BadToken as error:
            raise OAIError("badResumptionToken", str(error)) from None
    return (
        tokens.ListRequest(
            verb=verb,
            metadata_prefix=arguments["metadataPrefix"],
            from_=arguments.get("from"),
            until=arguments.get("until"),
            set_spec=arguments.get("set"),
        ),
        False,
    )


def _selection(request: tokens.ListRequest) -> QuerySet:
    start, stop = check_dates(request.from_, request.until)
    queryset = Module.objects.all()
    if start is not None:
        queryset = queryset.filter(modified_at__gte=start)
    if stop is not None:
        queryset = queryset.filter(modified_at__lt=stop)
    if request.set_spec:
        if not sets_enabled():
            raise OAIError("noSetHierarchy", "This repository does not support sets.")
        if not sets.SPEC_PATTERN.match(request.set_spec) or not sets.is_known_parent(
            request.set_spec
        ):
            raise OAIError("badArgument", f"“{request.set_spec[:60]}” is not a set here.")
        queryset = sets.filter_by_set(queryset, request.set_spec)
    return queryset


def list_items(verb: str, arguments: dict[str, str]) -> Iterator[str]:
    """ListIdentifiers / ListRecords: checks eagerly, then streams one page."""
    request, resumed = _list_request(verb, arguments)
    fmt = metadata_format(request.metadata_prefix)
    selection = _selection(request)
    complete_size = selection.count()
    if complete_size == 0:
        raise OAIError("noRecordsMatch", "No records match the arguments.")
    size = page_size()
    page = (
        selection.filter(pk__gt=request.after_pk)
        .order_by("pk")
        .defer("readme", "raw_metadata", "raw_legacy_metadata", "upstream")
    )
    if resumed and not page.exists():
        raise OAIError("badResumptionToken", "The resumptionToken points past the list's end.")
    return _stream_page(verb, request, fmt, page[: size + 1], complete_size, resumed)


def _stream_page(verb, request, fmt, rows, complete_size, resumed) -> Iterator[str]:
    yield f"<{verb}>"
    size = page_size()
    sent = 0
    last_pk = request.after_pk
    has_more = False
    for module in rows.iterator(chunk_size=size):
        if sent == size:
            has_more = True
            break
        yield header(module) if verb == "ListIdentifiers" else record(module, fmt)
        sent += 1
        last_pk = module.pk
    if fmt.collect_after_page and verb == "ListRecords":
        gc.collect()  # keeps a page's garbage from piling up across pages (see formats)
    attributes = f' completeListSize="{complete_size}" cursor="{request.cursor}"'
    if has_more:
        next_request = tokens.ListRequest(
            verb=verb,
            metadata_prefix=request.metadata_prefix,
            from_=request.from_,
            until=request.until,
            set_spec=request.set_spec,
            after_pk=last_pk,
            cursor=request.cursor + sent,
        )
        token, expires = tokens.issue(next_request)
        yield (
            f'<resumptionToken expirationDate="{datestamp(expires)}"{attributes}>'
            f"{text(token)}</resumptionToken>"
        )
    elif resumed:
        # The last page of a split list carries an empty token.
        yield f"<resumptionToken{attributes}/>"
    yield f"</{verb}>"
