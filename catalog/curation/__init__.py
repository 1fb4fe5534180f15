"""Curation: curators' edits, their decisions on upstream changes, moderation, restore, with
their pages (views, urls, forms, diff) and REST writes (api). Services: `edits`, `upstream`,
`moderation`, `restore`, sharing `rules`.

Every write goes through `catalog.services.publish.apply_effective`, which recomputes what a
module publishes from `module.upstream` and the CuratedOverride rows, writes provenance
(the curator for overridden fields) and the ModuleRevision. The services here only decide which
overrides exist, check who may do it and that the result is still valid ai4-metadata v2,
and write the audit log.

Rules:
- An edit creates or updates one override per changed field (value, the upstream value the
  curator decided against, author, reason). Setting a field back to its upstream value
  removes the override, so later upstream changes flow in again.
- A re-harvest never overwrites an override; when upstream moves, `publish` flags it and a
  curator keeps it (the override now answers the new upstream value) or accepts upstream
  (the override goes).
- Restoring a version writes overrides for the fields where that version differs from
  today's upstream, and removes the others.
- Moderation (hide, feature, deprecate and their undo) changes flags, with a reason, as a
  revision of its own; hidden modules are kept, never erased.
"""
