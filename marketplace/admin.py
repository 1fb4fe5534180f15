from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from marketplace.models import User


@admin.register(User)
class MarketplaceUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (
        (
            "Identity provider",
            {"fields": ("oidc_sub", "display_name", "vos", "curator_vos", "is_global_curator")},
        ),
    )
    list_display = ("username", "email", "display_name", "is_global_curator", "is_staff")
