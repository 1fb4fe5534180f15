"""Read-only REST API of the catalog (DRF), versioned under /api/v1/."""
