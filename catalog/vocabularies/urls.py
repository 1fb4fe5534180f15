"""Vocabulary routes, mounted at the site root by catalog.fair.urls."""

from django.urls import path

from catalog.vocabularies import views

urlpatterns = [
    path("vocabularies/", views.vocabulary_index, name="vocabularies"),
    path("vocabularies/index.<str:fmt>", views.vocabulary_index, name="vocabularies-as"),
    path("vocabularies/<slug:scheme>/", views.scheme_detail, name="vocabulary-scheme"),
    path(
        "vocabularies/<slug:scheme>/scheme.<str:fmt>",
        views.scheme_detail,
        name="vocabulary-scheme-as",
    ),
    path(
        "vocabularies/<slug:scheme>/<slug:notation>/",
        views.concept_detail,
        name="vocabulary-concept",
    ),
    path(
        "vocabularies/<slug:scheme>/<slug:notation>/concept.<str:fmt>",
        views.concept_detail,
        name="vocabulary-concept-as",
    ),
]
