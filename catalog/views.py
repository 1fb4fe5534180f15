"""Catalog pages. Thin: parse the request, call a selector, render."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from catalog import selectors


def home(request: HttpRequest) -> HttpResponse:
    modules = selectors.published_modules()[:60]
    return render(request, "catalog/home.html", {"modules": modules})
