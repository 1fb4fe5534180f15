"""Sign in without an identity provider, for the demo's sandbox only.

The demo run command has no OIDC provider to talk to, yet a newcomer should be able
to click Deploy. In SANDBOX_MODE this view signs them in as a local sandbox user (or
curator); in any other mode it does not exist (404), so it can never open a back door
in production.
"""

from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

SANDBOX_VO = "vo.ai4eosc.eu"
SANDBOX_PROFILES = {
    "user": {"username": "sandbox-user", "display_name": "Sandbox user", "curator": False},
    "curator": {"username": "sandbox-curator", "display_name": "Sandbox curator", "curator": True},
}


@require_http_methods(["GET", "POST"])
def sandbox_login(request: HttpRequest) -> HttpResponse:
    if not settings.SANDBOX_MODE:
        raise Http404("Sandbox sign-in exists only in the demo.")
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    if request.method == "GET":
        return render(request, "accounts/sandbox_login.html", {"next": next_url})
    profile = SANDBOX_PROFILES.get(request.POST.get("profile", "user"), SANDBOX_PROFILES["user"])
    user, _ = get_user_model().objects.update_or_create(
        username=profile["username"],
        defaults={
            "display_name": profile["display_name"],
            "email": f"{profile['username']}@sandbox.invalid",
            "vos": [SANDBOX_VO],
            "curator_vos": [SANDBOX_VO] if profile["curator"] else [],
            "is_global_curator": profile["curator"],
        },
    )
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect(next_url)
