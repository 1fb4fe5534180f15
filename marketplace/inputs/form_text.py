"""The text check for every form body (URL-encoded or multipart), whoever reads it.

Django's form CharField refuses NUL, but a view that reads ``request.POST`` itself (a token
name, a curator's reason, a record id) hands NUL to PostgreSQL, which answers with an error
(a 500). This middleware checks every field name, value and file name of a form body before
any view runs, with the site's one text check (`check_text`), and answers 400 naming the field:
JSON for the API, a page for people. A view that must answer bad arguments in its own protocol
(OAI-PMH's ``badArgument``) says so with `@refuses_bad_text_itself`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from marketplace.inputs import InputError
from marketplace.inputs.text import check_text

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def refuses_bad_text_itself(view: Callable) -> Callable:
    view.refuses_bad_text_itself = True
    return view


def check_form_body(request: HttpRequest) -> None:
    """InputError for the first field whose name or value holds NUL or a lone surrogate."""
    for name, values in request.POST.lists():
        check_text(name, field=name)
        for value in values:
            check_text(value, field=name)
    for name, upload in request.FILES.items():
        check_text(upload.name or "", field=f"{name} (file name)")


class FormTextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if request.method in ("GET", "HEAD", "OPTIONS") or not request.content_type.startswith(
            FORM_TYPES
        ):
            return None
        # A function view says so with the decorator; a class-based one (DRF's as_view keeps
        # the class as `cls`) with the same attribute on the class.
        view_class = getattr(view_func, "cls", None) or getattr(view_func, "view_class", None)
        if getattr(view_func, "refuses_bad_text_itself", False) or getattr(
            view_class, "refuses_bad_text_itself", False
        ):
            return None
        try:
            check_form_body(request)
        except InputError as exc:
            return _refusal(request, view_func, exc)
        return None


def _refusal(request: HttpRequest, view_func, exc: InputError) -> HttpResponse:
    if getattr(view_func, "cls", None) is not None:  # a DRF view: the API's error shape
        return JsonResponse(exc.as_response_body(), status=400)
    return render(request, "bad_input.html", {"error": exc}, status=400)
