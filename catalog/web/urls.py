from django.urls import path

from catalog.web import views
from catalog.web.page_cache import cache_anonymous_page

app_name = "catalog"
urlpatterns = [
    path("", cache_anonymous_page(views.home), name="home"),
    path("modules/", cache_anonymous_page(views.browse_modules), name="modules"),
    path("tools/", cache_anonymous_page(views.browse_tools), name="tools"),
    path("modules/<slug:name>/", cache_anonymous_page(views.module_detail), name="module-detail"),
    path("modules/<slug:name>", views.to_module_page, name="module-no-slash"),
    path("tools/<slug:name>/", views.tool_detail, name="tool-detail"),
]
