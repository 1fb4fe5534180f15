"""REST API for deployments: /api/v1/deployments/ and PAPI-compatible /v1/deployments/."""
