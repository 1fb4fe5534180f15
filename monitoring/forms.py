"""The owner's monitoring settings form, with the optional uploaded reference sample."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator

from marketplace.inputs import InputError
from marketplace.inputs.json_body import load_json
from monitoring import detectors
from monitoring.models import Monitor
from monitoring.summaries import FEATURE_NAME, SummaryError, _clean_value, feature_type

MAX_SAMPLE_BYTES = 2 * 1024 * 1024
MAX_SAMPLE_VALUES = 10_000


def _detector_field(kind: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=(
            "Concept-drift detectors (over labelled feedback)"
            if kind == "concept"
            else f"Detectors for {kind} features"
        ),
        choices=[(spec.key, spec.label) for spec in detectors.choices_for(kind)],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class MonitorSettingsForm(forms.Form):
    enabled = forms.BooleanField(label="Record traffic and check for drift", required=False)
    reference = forms.ChoiceField(label="Reference", choices=Monitor.Reference.choices)
    reference_size = forms.IntegerField(
        label="N (reference size, first N requests)", min_value=20, max_value=10_000
    )
    reference_file = forms.FileField(
        label='Reference sample (JSON: {"feature": [values, …]})',
        required=False,
        help_text="At most 2 MB and 10,000 values per feature; replaces the previous sample.",
    )
    window_size = forms.IntegerField(
        label="Window (last requests compared)", min_value=20, max_value=10_000
    )
    detectors_numeric = _detector_field("numeric")
    detectors_categorical = _detector_field("categorical")
    detectors_embedding = _detector_field("embedding")
    detectors_concept = _detector_field("concept")
    store_raw = forms.BooleanField(
        label="Also keep raw payloads (at most 4 KB each, deleted when switched off)",
        required=False,
    )

    def __init__(self, *args, monitor: Monitor, **kwargs) -> None:
        from monitoring.drift import detectors_for

        initial = {
            "enabled": monitor.enabled,
            "reference": monitor.reference,
            "reference_size": monitor.reference_size,
            "window_size": monitor.window_size,
            "store_raw": monitor.store_raw,
            **{f"detectors_{k}": detectors_for(monitor, k) for k in detectors.DEFAULTS},
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.monitor = monitor

    def clean_reference_file(self):
        upload = self.cleaned_data.get("reference_file")
        if not upload:
            return None
        if upload.size > MAX_SAMPLE_BYTES:
            raise forms.ValidationError("The sample is larger than 2 MB.")
        try:
            data = load_json(
                upload.read(),
                field=upload.name,
                max_bytes=MAX_SAMPLE_BYTES,
                nonfinite_as_float=True,
            )
        except InputError as exc:
            raise forms.ValidationError(f"The sample is not usable: {exc}.") from None
        return clean_sample(data, name=upload.name)

    def clean(self):
        data = super().clean()
        has_sample = data.get("reference_file") or (
            self.monitor.reference_sample.get("kind") == "sample"
        )
        if data.get("reference") == Monitor.Reference.SAMPLE and not has_sample:
            self.add_error("reference_file", "Upload a reference sample to use one.")
        return data


def clean_sample(data, *, name: str) -> dict:
    """An uploaded reference: {feature: [values]}, each value valid as in a summary."""
    if not isinstance(data, dict) or not data:
        raise forms.ValidationError('The sample must be an object: {"feature": [values, …]}.')
    if len(data) > settings.MONITORING_MAX_FEATURES:
        raise forms.ValidationError(
            f"{len(data)} features; at most {settings.MONITORING_MAX_FEATURES}."
        )
    values: dict[str, list] = {}
    for feature, column in data.items():
        if not isinstance(feature, str) or not FEATURE_NAME.fullmatch(feature):
            raise forms.ValidationError(f"{str(feature)[:64]}: not a valid feature name.")
        if not isinstance(column, list) or not 20 <= len(column) <= MAX_SAMPLE_VALUES:
            raise forms.ValidationError(f"{feature}: give a list of 20 to 10,000 values.")
        try:
            cleaned = [_clean_value(v, f"{feature}[{i}]") for i, v in enumerate(column)]
        except SummaryError as exc:
            raise forms.ValidationError(str(exc)) from exc
        types = {feature_type(v) for v in cleaned} - {None}
        if len(types) != 1:
            raise forms.ValidationError(f"{feature}: values must all be of one type.")
        values[feature] = [v for v in cleaned if v is not None]
    return {
        "kind": "sample",
        "name": name[:200],
        "count": max(map(len, values.values())),
        "values": values,
    }


class ResetReferenceForm(forms.Form):
    """ "Reset reference to the last N requests": how many of the newest requests become the
    reference; refused on its field (a count out of range, fewer requests recorded)."""

    count = forms.IntegerField(
        label="Reset reference to the last",
        min_value=2,
        help_text="When the new inputs are the normal ones now: later checks compare against them.",
        widget=forms.NumberInput(attrs={"class": "input-narrow"}),
        error_messages={
            "required": "Give the number of recent requests to use.",
            "invalid": "Give the number of recent requests as a whole number.",
            "min_value": "A reference needs at least %(limit_value)s requests.",
            "max_value": "At most %(limit_value)s requests are kept per deployment.",
        },
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, auto_id="reset-%s", **kwargs)
        # The setting is read per form, not at import: tests and operators change it.
        limit = settings.MONITORING_MAX_SUMMARIES_PER_DEPLOYMENT
        self.fields["count"].validators.append(MaxValueValidator(limit))
        self.fields["count"].widget.attrs["max"] = limit
