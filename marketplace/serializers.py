"""The one error shape every API of the site answers with (OpenAPI component `Error`).

It lives in the project package so marketplace/openapi.py documents it without importing an
app, and every app's API names it from here."""

from __future__ import annotations

from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """Every error answer: a human sentence saying what is wrong and what to do, plus the
    facts a client can act on where they apply (each listed with the status that carries it)."""

    detail = serializers.CharField()
    unknown = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="400: unknown query parameters."
    )
    allowed = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="400: the parameters allowed."
    )
    errors = serializers.DictField(
        required=False, help_text="400: what is wrong, per field or parameter."
    )
    retry_after = serializers.IntegerField(
        required=False, help_text="429: seconds to wait (also in the Retry-After header)."
    )
    name = serializers.CharField(required=False, help_text="410: the withdrawn module.")
    status = serializers.CharField(required=False, help_text="410: `withdrawn`.")
    withdrawn_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="410: when it was withdrawn."
    )
    code = serializers.CharField(required=False, help_text="403: e.g. `quota_exceeded`.")
    limit = serializers.CharField(required=False, help_text="403: the quota that was reached.")
    field = serializers.CharField(
        required=False,
        help_text="400/413: where a refused body is wrong, e.g. "
        "`summaries[3].features.temperature` or `body`.",
    )
    problems = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text="400: each problem of a submitted definition (a pipeline), naming where it "
        "is (`step`, `field`) and what is wrong (`message`).",
    )
