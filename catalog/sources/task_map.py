"""Hugging Face pipeline tags → the catalog's task and data-type labels.

The catalog spells tasks as the ai4-metadata task vocabulary does (``Computer Vision``,
``Natural Language Processing``, ``Classification``…, ``ai4-apps`` schema ``tasks`` enum) and
data types as its ``data-type`` enum (``Image``, ``Text``…). The Hub names one pipeline tag per
model from its own task list (``fill-mask``, ``object-detection``…); a raw slug would be a
facet value of its own and read as jargon in "Popular tasks". Each tag maps to the labels
that say the same thing (the domain, and the kind of task where the vocabulary has one); a
tag the table does not know becomes ``Other`` (the record's facts keep the Hub's own tag).

One module with one job, so the table can later point at the shared task vocabulary.
"""

from __future__ import annotations

CV, NLP = "Computer Vision", "Natural Language Processing"
CLASSIFICATION, GENERATIVE, REGRESSION = "Classification", "Generative Models", "Regression"
OTHER = "Other"

# pipeline tag → (tasks, data types)
PIPELINE_TAGS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # Computer vision
    "image-classification": ((CV, CLASSIFICATION), ("Image",)),
    "zero-shot-image-classification": ((CV, CLASSIFICATION), ("Image", "Text")),
    "object-detection": ((CV,), ("Image",)),
    "zero-shot-object-detection": ((CV,), ("Image", "Text")),
    "image-segmentation": ((CV,), ("Image",)),
    "mask-generation": ((CV,), ("Image",)),
    "depth-estimation": ((CV, REGRESSION), ("Image",)),
    "keypoint-detection": ((CV,), ("Image",)),
    "image-feature-extraction": ((CV,), ("Image",)),
    "image-to-image": ((CV, GENERATIVE), ("Image",)),
    "unconditional-image-generation": ((CV, GENERATIVE), ("Image",)),
    "image-to-3d": ((CV, GENERATIVE), ("Image",)),
    "video-classification": ((CV, CLASSIFICATION), ("Video",)),
    "image-to-video": ((CV, GENERATIVE), ("Image", "Video")),
    "video-to-video": ((CV, GENERATIVE), ("Video",)),
    # Natural language
    "text-classification": ((NLP, CLASSIFICATION), ("Text",)),
    "token-classification": ((NLP, CLASSIFICATION), ("Text",)),
    "zero-shot-classification": ((NLP, CLASSIFICATION), ("Text",)),
    "fill-mask": ((NLP,), ("Text",)),
    "question-answering": ((NLP,), ("Text",)),
    "table-question-answering": ((NLP,), ("Text", "Tabular")),
    "translation": ((NLP, GENERATIVE), ("Text",)),
    "summarization": ((NLP, GENERATIVE), ("Text",)),
    "text-generation": ((NLP, GENERATIVE), ("Text",)),
    "text2text-generation": ((NLP, GENERATIVE), ("Text",)),
    "feature-extraction": ((NLP,), ("Text",)),
    "sentence-similarity": ((NLP,), ("Text",)),
    "text-ranking": ((NLP,), ("Text",)),
    # Across text and images
    "image-to-text": ((CV, NLP, GENERATIVE), ("Image", "Text")),
    "image-text-to-text": ((CV, NLP, GENERATIVE), ("Image", "Text")),
    "visual-question-answering": ((CV, NLP), ("Image", "Text")),
    "document-question-answering": ((CV, NLP), ("Image", "Text")),
    "text-to-image": ((CV, GENERATIVE), ("Text", "Image")),
    "text-to-video": ((CV, GENERATIVE), ("Text", "Video")),
    "text-to-3d": ((CV, GENERATIVE), ("Text",)),
    # Audio (the task vocabulary has no audio domain: the data type says it)
    "automatic-speech-recognition": ((NLP,), ("Audio", "Text")),
    "text-to-speech": ((NLP, GENERATIVE), ("Text", "Audio")),
    "text-to-audio": ((GENERATIVE,), ("Text", "Audio")),
    "audio-to-audio": ((GENERATIVE,), ("Audio",)),
    "audio-classification": ((CLASSIFICATION,), ("Audio",)),
    "voice-activity-detection": ((CLASSIFICATION,), ("Audio",)),
    # Tabular, time series, graphs, agents
    "tabular-classification": ((CLASSIFICATION,), ("Tabular",)),
    "tabular-regression": ((REGRESSION,), ("Tabular",)),
    "time-series-forecasting": (("Time Series", REGRESSION), ("Time Series",)),
    "graph-ml": (("Graph Neural Networks",), ("Graph",)),
    "reinforcement-learning": (("Reinforcement Learning",), ()),
    "robotics": (("Reinforcement Learning",), ()),
}


def tasks_for(pipeline_tag: str) -> list[str]:
    """The catalog's task labels for a Hub pipeline tag ([] for none, ["Other"] if unknown)."""
    if not pipeline_tag:
        return []
    tasks, _ = PIPELINE_TAGS.get(pipeline_tag.strip().lower(), ((OTHER,), ()))
    return list(tasks)


def data_types_for(pipeline_tag: str) -> list[str]:
    """The catalog's data-type labels for a Hub pipeline tag ([] when it does not say)."""
    _, data_types = PIPELINE_TAGS.get((pipeline_tag or "").strip().lower(), ((), ()))
    return list(data_types)
