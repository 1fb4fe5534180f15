"""Sign-in routes. The three route names are the ones mozilla-django-oidc reverses."""

from django.urls import path

from marketplace.auth import views

urlpatterns = [
    path("accounts/login/", views.login_page, name="accounts-login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="oidc_logout"),
    path("accounts/", views.account, name="accounts-account"),
    path("oidc/authenticate/", views.AuthenticateView.as_view(), name="oidc_authentication_init"),
    path("oidc/callback/", views.CallbackView.as_view(), name="oidc_authentication_callback"),
]
