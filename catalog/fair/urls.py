"""FAIR routes mounted at the site root: /catalog.jsonld, /sitemap.xml, /robots.txt, /feed/,
/oai, the JSON-LD contexts (/ns/contexts/), the vocabularies (/vocabularies/) and each entry's
Signposting linksets."""

from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from catalog.fair import signposting, views
from catalog.fair.contexts import context_view
from catalog.fair.oai.views import oai_endpoint
from catalog.fair.robots import robots_txt
from catalog.fair.sitemap import SITEMAPS

app_name = "fair"
urlpatterns = [
    path("catalog.jsonld", views.catalog_jsonld, name="catalog-jsonld"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots"),
    path("feed/changes.atom", views.changes_atom, name="changes-atom"),
    path("oai", oai_endpoint, name="oai"),
    path("ns/contexts/<slug:name>/<str:version>.jsonld", context_view, name="jsonld-context"),
    path("", include("catalog.vocabularies.urls")),
    path(
        "modules/<slug:name>/linkset.json",
        signposting.linkset_json_view,
        name="linkset-json",
    ),
    path("modules/<slug:name>/linkset", signposting.linkset_text_view, name="linkset"),
]
