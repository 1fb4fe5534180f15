from django import forms
from django.conf import settings

from pipelines.definition import AGGREGATORS
from pipelines.text_limits import NOTE_MAX, TITLE_MAX, django_max_length_message


class PipelineForm(forms.Form):
    """The keyboard (and no-JavaScript) editor: title, description and the YAML definition.
    The visual editor writes the same YAML into `definition`."""

    title = forms.CharField(
        max_length=TITLE_MAX, error_messages={"max_length": django_max_length_message("title")}
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    definition = forms.CharField(
        label="Definition (YAML)",
        widget=forms.Textarea(attrs={"rows": 16, "spellcheck": "false", "class": "code"}),
        help_text=(
            "Steps with an id and one of module (a catalog module), join ("
            + ", ".join(AGGREGATORS)
            + ") or pipeline (a saved pipeline as a sub-flow); inputs lists the steps a step "
            "reads (none: the pipeline's input)."
        ),
    )
    note = forms.CharField(
        label="What changed (optional)",
        max_length=NOTE_MAX,
        required=False,
        error_messages={"max_length": django_max_length_message("note")},
    )
    private = forms.BooleanField(
        label="Keep it private",
        required=False,
        help_text=(
            "Only you see a private pipeline: it is not listed, not in the catalog, and no one "
            "else can reuse it as a sub-flow. Public pipelines are catalog entries of kind "
            "Pipeline."
        ),
    )


class RunForm(forms.Form):
    file = forms.FileField(label="Input file", required=False)
    use_sample = forms.BooleanField(label="Use the sample image", required=False)
    # Sent by the button pressed: "Run" (async, through buckets) or "Try it" (sync).
    mode = forms.ChoiceField(choices=[("async", "Run"), ("sync", "Try it")], required=False)

    def __init__(self, *args, accept: str | None = None, **kwargs) -> None:
        """`accept`: the kind of file the pipeline is fed (`image/*`), so the file picker
        offers those files; the server checks the file all the same (services.run_create)."""
        super().__init__(*args, **kwargs)
        if accept:
            self.fields["file"].widget.attrs["accept"] = accept
        if accept and not accept.startswith("image/"):
            # The sample is an image: a pipeline fed audio or video would only refuse it.
            del self.fields["use_sample"]

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if not upload and not data.get("use_sample"):
            if "use_sample" not in self.fields:
                raise forms.ValidationError("Choose a file.")
            raise forms.ValidationError("Choose a file, or tick “Use the sample image”.")
        if upload and upload.size > settings.DEPLOY_OSCAR_MAX_UPLOAD_BYTES:
            limit = settings.DEPLOY_OSCAR_MAX_UPLOAD_BYTES // (1024 * 1024)
            raise forms.ValidationError(f"The file is larger than {limit} MB.")
        data["mode"] = data.get("mode") or "async"
        return data
