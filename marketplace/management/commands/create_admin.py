"""Make a person an administrator of this site.

With OIDC sign-in people have no local password; an operator names them by e-mail (and,
if known, their OIDC `sub`) and they become admins the first time they sign in, or at
once if they already have. `--password-from-env VAR` also gives a local password for
break-glass access to /admin/ when the identity provider is down.
"""

import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction


class Command(BaseCommand):
    help = "Create or promote an administrator (staff + superuser)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--sub", default="", help="OIDC subject identifier, if known")
        parser.add_argument("--password-from-env", metavar="VAR", default="")

    @transaction.atomic
    def handle(self, *args, email: str, sub: str, password_from_env: str, **options):
        try:
            validate_email(email)
        except Exception as exc:
            raise CommandError(f"{email!r} is not an e-mail address") from exc
        users = get_user_model().objects
        user = (users.filter(oidc_sub=sub).first() if sub else None) or users.filter(
            email__iexact=email
        ).first()
        created = user is None
        if created:
            user = users.model(username=email.lower(), email=email)
        if sub:
            user.oidc_sub = sub
        user.is_staff = user.is_superuser = True
        if password_from_env:
            password = os.environ.get(password_from_env, "")
            if len(password) < 12:
                raise CommandError(f"${password_from_env} must hold a password of 12+ characters")
            user.set_password(password)
        elif created:
            user.set_unusable_password()
        user.save()
        verb = "Created" if created else "Promoted"
        self.stdout.write(self.style.SUCCESS(f"{verb} administrator {email}"))
