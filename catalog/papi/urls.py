"""PAPI-compatible routes, mounted at the site root: /v1/catalog/{modules,tools}/...

Paths are PAPI's exactly (no trailing slash). Every other path under a catalog answers in
one hop, as FastAPI does: with a trailing slash that names a route, 307 to it (the method
is kept, so `PUT …/refresh/` still refreshes); anything else a JSON 404 `{"detail": "Not
Found"}`. Matching everything here also keeps Django's APPEND_SLASH from adding a slash
that would then be stripped again.
"""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, re_path, resolve
from django.views.decorators.csrf import csrf_exempt

from catalog.papi import views

KIND = r"(?P<kind>modules|tools)"
NAME = r"(?P<name>[^/]+)"


@csrf_exempt  # it only redirects or answers 404; PUT …/refresh/ must reach the 307
def unmatched(request: HttpRequest, kind: str) -> HttpResponse:
    if request.path_info.endswith("/"):
        try:
            target = resolve(request.path_info.rstrip("/"))
        except Resolver404:
            target = None
        if target is not None and target.url_name != "unmatched":
            url = request.path.rstrip("/")
            query = request.META.get("QUERY_STRING", "")
            return HttpResponseRedirect(f"{url}?{query}" if query else url, preserve_request=True)
    return views.detail(404, "Not Found")


app_name = "papi"
urlpatterns = [
    re_path(rf"^v1/catalog/{KIND}$", views.CatalogListView.as_view(), name="list"),
    re_path(rf"^v1/catalog/{KIND}/detail$", views.CatalogDetailView.as_view(), name="detail"),
    re_path(rf"^v1/catalog/{KIND}/tags$", views.CatalogTagsView.as_view(), name="tags"),
    re_path(rf"^v1/catalog/{KIND}/refresh$", views.RefreshView.as_view(), name="refresh"),
    re_path(rf"^v1/catalog/{KIND}/{NAME}/metadata$", views.MetadataView.as_view(), name="metadata"),
    re_path(rf"^v1/catalog/{KIND}/", unmatched, name="unmatched"),
]
