"""Curation: curators' edits, decisions on upstream changes, moderation and restore, with
their pages (views, urls, forms, diff) and their REST writes (api)."""
