from django.urls import path

from catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.home, name="home"),
    path("modules/", views.browse_modules, name="modules"),
    path("tools/", views.browse_tools, name="tools"),
    path("modules/<slug:name>/", views.module_detail, name="module-detail"),
    path("tools/<slug:name>/", views.tool_detail, name="tool-detail"),
]
