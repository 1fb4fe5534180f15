"""Who may do what. One place, so pages, API and tests agree.

Roles come from the identity provider (see `claims`): members of VOs, curators of a VO,
global curators, administrators.

Which VOs a module belongs to, for curation:
- its tags: AI4OS modules name the VOs they serve as tags (`vo.imagine-ai.eu`), the way
  the AI4OS dashboard filters modules per VO; a tag equal to a VO's name counts;
- its catalog: `CURATION_VO_CATALOGS` maps a VO to the catalogs (`owner/repo`, as in
  `Module.catalog`; `"*"` for all) its curators look after. The default gives the
  AI4EOSC VO the whole catalog.
A curator of a VO may curate that VO's modules; global curators and administrators may
curate every module.
"""

from __future__ import annotations

from django.conf import settings


def is_admin(user) -> bool:
    """Site administrator: Django admin and every curation right."""
    return bool(user and user.is_authenticated and user.is_active and user.is_superuser)


def is_curator(user) -> bool:
    """Curator of anything: may open the curation pages (what they may change is per module)."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return is_admin(user) or user.is_global_curator or bool(user.curator_vos)


def curates_everything(user) -> bool:
    if not is_curator(user):
        return False
    if is_admin(user) or user.is_global_curator:
        return True
    return any("*" in _vo_catalogs().get(vo, ()) for vo in user.curator_vos)


def module_vos(module) -> list[str]:
    """The VOs whose curators look after `module` (by catalog, then by tag)."""
    vos = [
        vo
        for vo, catalogs in _vo_catalogs().items()
        if "*" in catalogs or module.catalog in catalogs
    ]
    vos += [tag.strip().lower() for tag in module.tags or [] if _looks_like_vo(tag)]
    return list(dict.fromkeys(vos))


def can_curate(user, module) -> bool:
    """May `user` edit, moderate and restore `module`?"""
    if curates_everything(user):
        return True
    if not is_curator(user):
        return False
    mine = {vo.lower() for vo in user.curator_vos}
    return bool(mine & set(module_vos(module)))


def curatable_module_ids(user, modules) -> list[int]:
    """Ids of the `modules` (a queryset) that `user` may curate."""
    if curates_everything(user):
        return list(modules.values_list("pk", flat=True))
    if not is_curator(user):
        return []
    rows = modules.only("pk", "catalog", "tags")
    return [module.pk for module in rows if can_curate(user, module)]


def _looks_like_vo(tag: object) -> bool:
    # VO names are DNS-like (vo.ai4eosc.eu); ordinary tags ("deep learning") are not.
    return isinstance(tag, str) and tag.strip().lower().startswith("vo.") and " " not in tag


def _vo_catalogs() -> dict[str, tuple[str, ...]]:
    mapping = getattr(settings, "CURATION_VO_CATALOGS", {}) or {}
    return {
        vo.lower(): (catalogs,) if isinstance(catalogs, str) else tuple(catalogs)
        for vo, catalogs in mapping.items()
    }
