"""Curation pages: edit, upstream changes, moderation, history and restore, the audit log.

Thin: load the module, check `can_curate`, call one service, render or redirect with a
message. Every page needs a signed-in curator of the module (anonymous visitors are sent
to sign in; others get 403); every change is a POST with CSRF.
"""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.curation import moderation
from catalog.curation.diff import side_by_side
from catalog.curation.edits import edit_fields, schema_errors
from catalog.curation.forms import CurationForm, link_names
from catalog.curation.restore import restore_revision
from catalog.curation.rules import CurationError, latest_revision_number
from catalog.curation.upstream import decide_upstream
from catalog.metadata.validation import LATEST
from catalog.models import CURATABLE_FIELDS, Module, SourceRecord
from catalog.names import NameNotCanonical, redirect_to_canonical
from catalog.selectors import module_named
from catalog.services import multisource
from catalog.services.publish import effective_values
from catalog.web.presenters import revision_rows
from marketplace.auth.permissions import (
    can_curate,
    curatable_module_ids,
    curates_everything,
    is_admin,
    is_curator,
)
from marketplace.models import AuditEvent

AUDIT_PAGE_SIZE = 50


def _module_to_curate(request: HttpRequest, name: str) -> Module:
    # Hidden and withdrawn modules too: curators must be able to bring them back.
    module = module_named(name)
    if module is None:
        raise Http404(f"No module called {name}.")
    if not can_curate(request.user, module):
        raise PermissionDenied(f"You may not curate {name}.")
    if module.name != name:
        raise NameNotCanonical(module)
    return module


def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return render(request, "curation/forbidden.html", {"reason": str(exc)}, status=403)


def curator_view(view):
    """Sign-in required (redirect), then a clear 403 page for those who may not curate."""

    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            return _forbidden(request, exc)
        except NameNotCanonical as exc:
            return redirect_to_canonical(request, exc.module)

    return wrapped


def _back_to_edit(module: Module) -> HttpResponse:
    return redirect("curation:edit", name=module.name)


@curator_view
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, name: str) -> HttpResponse:
    """The form of every curatable field; saving writes overrides with the reason."""
    module = _module_to_curate(request, name)
    values = effective_values(module)
    base = latest_revision_number(module)
    form = CurationForm(request.POST or None, values=values, initial={"base_revision": base})
    if request.method == "POST" and form.is_valid():
        try:
            outcome = edit_fields(
                module=module,
                author=request.user,
                changes=form.changes(),
                reason=form.cleaned_data["reason"],
                base_revision=form.cleaned_data.get("base_revision"),
            )
        except CurationError as exc:
            form.add_service_errors(exc.field_errors)
            messages.error(request, exc.message)
        else:
            if outcome.changed_fields:
                messages.success(
                    request,
                    f"Saved: {', '.join(outcome.changed_fields)} (curated, with your reason).",
                )
            else:
                messages.info(request, "Nothing changed: every value is as it was.")
            return redirect("catalog:module-detail", name=module.name)
    context = {
        "module": module,
        "form": form,
        "overrides": {o.field: o for o in module.overrides.select_related("author")},
        "link_names": link_names(),
        "upstream_schema_errors": schema_errors(values),
        "schema_version": LATEST,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "curation/edit.html", context, status=status)


@curator_view
@require_http_methods(["GET", "POST"])
def upstream(request: HttpRequest, name: str) -> HttpResponse:
    """Curated fields next to upstream, side by side; keep the override or accept upstream."""
    module = _module_to_curate(request, name)
    if request.method == "POST":
        try:
            decide_upstream(
                module=module,
                field=request.POST.get("field", ""),
                decision=request.POST.get("decision", ""),
                author=request.user,
                reason=request.POST.get("reason", ""),
            )
        except CurationError as exc:
            messages.error(request, exc.message)
        else:
            verb = "kept" if request.POST.get("decision") == "keep" else "replaced by upstream"
            messages.success(request, f"{request.POST.get('field')}: curated value {verb}.")
        return redirect("curation:upstream", name=module.name)
    upstream_values = effective_values(module, overrides={})
    rows = []
    for override in module.overrides.select_related("author").order_by("field"):
        if override.field not in CURATABLE_FIELDS:
            continue
        rows.append(
            {
                "override": override,
                "diff": side_by_side(override.value, upstream_values[override.field]),
                "was": override.upstream_value,
            }
        )
    rows.sort(key=lambda row: not row["override"].upstream_changed)
    return render(request, "curation/upstream.html", {"module": module, "rows": rows})


@curator_view
@require_POST
def moderate(request: HttpRequest, name: str) -> HttpResponse:
    """Hide/unhide, feature/unfeature, deprecate/undeprecate, with a reason."""
    module = _module_to_curate(request, name)
    action = request.POST.get("action", "")
    try:
        revision = moderation.moderate(
            module=module, action=action, author=request.user, reason=request.POST.get("reason", "")
        )
    except CurationError as exc:
        messages.error(request, exc.message)
    else:
        if revision is None:
            messages.info(request, f"Nothing to do: the module is already {action}d.")
        else:
            messages.success(request, f"Done: {action} ({revision.reason}).")
    if module.is_hidden or action == "hide":
        return redirect("curation:history", name=module.name)
    return redirect("catalog:module-detail", name=module.name)


@curator_view
@require_GET
def history(request: HttpRequest, name: str) -> HttpResponse:
    """Every version, with links to view and restore each."""
    module = _module_to_curate(request, name)
    revisions = list(module.revisions.select_related("author").order_by("-number"))
    context = {"module": module, "revisions": revision_rows(module, revisions)}
    return render(request, "curation/history.html", context)


@curator_view
@require_GET
def revision(request: HttpRequest, name: str, number: int) -> HttpResponse:
    """One version's metadata, side by side with what is published now."""
    module = _module_to_curate(request, name)
    old = module.revisions.select_related("author").filter(number=number).first()
    if old is None:
        raise Http404(f"{name} has no version {number}.")
    now = effective_values(module)
    snapshot = old.snapshot or {}
    fields = [
        {
            "field": field,
            "differs": field in snapshot and snapshot[field] != now[field],
            "diff": side_by_side(snapshot.get(field), now[field]),
        }
        for field in CURATABLE_FIELDS
        if field in snapshot
    ]
    latest = latest_revision_number(module)
    context = {"module": module, "revision": old, "fields": fields, "latest": latest}
    return render(request, "curation/revision.html", context)


@curator_view
@require_POST
def restore(request: HttpRequest, name: str, number: int) -> HttpResponse:
    """Publish the metadata of an old version again."""
    module = _module_to_curate(request, name)
    try:
        new = restore_revision(
            module=module, number=number, author=request.user, reason=request.POST.get("reason", "")
        )
    except CurationError as exc:
        messages.error(request, exc.message)
        return redirect("curation:revision", name=module.name, number=number)
    if new is None:
        messages.info(request, f"Version {number} is what is published already.")
    else:
        messages.success(request, f"Version {number} restored as version {new.number}.")
    return redirect("curation:history", name=module.name)


@curator_view
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """What needs a curator: upstream changes to review, hidden and deprecated modules."""
    if not is_curator(request.user):
        raise PermissionDenied("The curation pages are for curators.")
    modules = Module.objects.all()
    ids = curatable_module_ids(request.user, modules)
    mine = Module.objects.filter(pk__in=ids).order_by("name")
    context = {
        "flagged": mine.filter(upstream_changed=True),
        "hidden": mine.filter(is_hidden=True),
        "deprecated": mine.filter(is_deprecated=True),
        "curated": mine.filter(overrides__isnull=False).distinct(),
        "everything": curates_everything(request.user),
    }
    return render(request, "curation/dashboard.html", context)


@curator_view
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """Who changed what, when and why: curation and moderation, newest first."""
    if not is_curator(request.user):
        raise PermissionDenied("The audit log is for curators.")
    events = AuditEvent.objects.select_related("actor", "revision").order_by("-created_at", "-pk")
    if not is_admin(request.user):
        # Token events concern one person's credentials; administrators see them, others not.
        events = events.exclude(action__startswith="token.")
    if not curates_everything(request.user):
        events = events.filter(module_id__in=curatable_module_ids(request.user, Module.objects))
    module_name = request.GET.get("module", "").strip()
    if module_name:
        # Events keep the name of their day: older ones may spell it in lower case.
        events = events.filter(module_name__iexact=module_name)
    action = request.GET.get("action", "")
    if action in AuditEvent.Action.values:
        events = events.filter(action=action)
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "module_name": module_name,
        "action": action,
        "actions": AuditEvent.Action.choices,
    }
    return render(request, "curation/audit.html", context)


@curator_view
@require_http_methods(["GET", "POST"])
def sources(request: HttpRequest, name: str) -> HttpResponse:
    """The records of other sources that make up this entry: split one off into an entry of
    its own, or merge another record in. Both are kept across re-harvests."""
    module = _module_to_curate(request, name)
    if request.method == "POST":
        action = request.POST.get("action", "")
        reason = request.POST.get("reason", "")
        record = (
            SourceRecord.objects.select_related("module")
            .filter(
                kind=request.POST.get("kind", ""),
                record_id=request.POST.get("record_id", "").strip(),
            )
            .first()
        )
        try:
            if record is None:
                raise CurationError(
                    "No such record: pick the source and paste its identifier exactly "
                    "(e.g. owner/name on Hugging Face)."
                )
            if action == "split" and record.module_id == module.pk:
                entry = multisource.split_record(record=record, author=request.user, reason=reason)
                messages.success(request, f"Split off: {record.record_id} is now {entry.name}.")
            elif action == "merge":
                multisource.merge_record(
                    record=record, into=module, author=request.user, reason=reason
                )
                messages.success(
                    request, f"Merged: {record.record_id} is now part of {module.name}."
                )
            else:
                raise CurationError("That record is not part of this entry.")
        except CurationError as exc:
            messages.error(request, exc.message)
        return redirect("curation:sources", name=module.name)
    context = {
        "module": module,
        "records": list(module.source_records.order_by("kind", "record_id")),
        "kinds": SourceRecord.Kind.choices,
    }
    return render(request, "curation/sources.html", context)
