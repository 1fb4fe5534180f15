"""SEMIC's shapes and contexts (data files; see README.md)."""
