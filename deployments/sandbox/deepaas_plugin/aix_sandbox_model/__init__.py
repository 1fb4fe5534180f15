"""A DEEPaaS v2 model plugin (entry point `deepaas.v2.model`) for sandbox deployments.

The real DEEPaaS API server loads it, so our DEEPaaS client is exercised against DEEPaaS
itself. Its answer is the sandbox's emulated classification (deployments/sandbox/emulated.py,
loaded from AIX_EMULATED_PY: the one copy the OSCAR emulator uses too), derived from the
input file and labelled as emulated.
"""

import importlib.util
import os

from webargs import fields, validate

_spec = importlib.util.spec_from_file_location("aix_emulated", os.environ["AIX_EMULATED_PY"])
emulated = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(emulated)

MODEL = os.environ.get("AIX_MODULE", "sandbox")


def get_metadata():
    return {
        "name": MODEL,
        "description": "Sandbox model: answers are emulated (no model runs).",
        "author": "AI Exchange sandbox",
        "version": "1.0.0",
        "license": "Apache-2.0",
    }


def get_predict_args():
    return {
        "data": fields.Raw(
            required=True,
            metadata={"type": "file", "location": "form", "description": "An image file."},
        ),
        "top_k": fields.Int(
            load_default=3,
            validate=validate.Range(min=1, max=3),
            metadata={"description": "How many labels to return (1-3)."},
        ),
    }


def predict(**kwargs):
    upload = kwargs["data"]
    with open(upload.filename, "rb") as handle:
        answer = emulated.predict(MODEL, handle.read())
    answer["labels"] = answer["labels"][: int(kwargs.get("top_k") or 3)]
    return answer
