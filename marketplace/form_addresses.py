"""A page's form action opened as a page: a GET (a reload without resending, a bookmark,
a link shared from the address bar) on an address that only takes a form's POST.

After Try it, say, the address bar holds `/deployments/<id>/run/`. Django's `require_POST`
answers a GET there with an empty 405, which the browser shows as its own error page.
Every such answer to a page (not the API, whose clients read the status and `Allow`) gets a
page instead: still 405 with its `Allow` header, saying what the address is for and linking
to the page the form is on, the address one level up.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


class FormAddressMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 405
            and request.method == "GET"
            and not response.streaming
            and not response.content
            and not request.path.startswith("/api/")
        ):
            response.content = render_to_string(
                "form_address.html", {"page_url": page_of(request.path)}, request=request
            )
            response["Content-Type"] = "text/html; charset=utf-8"
        return response


def page_of(path: str) -> str:
    """The page a form action belongs to: its address one level up (`/a/b/run/` → `/a/b/`)."""
    parent = path.rstrip("/").rsplit("/", 1)[0]
    return f"{parent}/" if parent else "/"
