"""Our published SKOS concept schemes: task types, categories, data types and libraries.

The concepts are the controlled vocabularies of the ai4-metadata schema (the spelling a module's
metadata uses is each concept's preferred label), published by this site so that linked data
can point at a dereferenceable concept with a definition and a notation, as MLDCAT-AP's
TaskType shape demands. Definitions are ours. Where a community vocabulary has the same idea
we say so: `skos:exactMatch` to the code list of the EOSC MLDCAT-AP pilot (SEMICeu/
EOSC-MLDCAT-AP-Pilot, `code_list/ai4eosc-category-tasktype-2025-05-20.ttl`) for the concepts it
lists, `skos:closeMatch` to DCMI Type for data types (docs/conformance.md).
"""

from __future__ import annotations

import dataclasses

DCMITYPE = "http://purl.org/dc/dcmitype/"
# The EOSC MLDCAT-AP pilot's code list (SEMIC): the concepts it publishes, by our notation.
EOSC_PILOT = "https://api.cloud.ai4eosc.eu/v1/catalog/"


@dataclasses.dataclass(frozen=True)
class Concept:
    notation: str  # the concept's slug: its URL segment and skos:notation
    label: str  # ai4-metadata's spelling: skos:prefLabel
    definition: str
    close_matches: tuple[str, ...] = ()
    homepage: str = ""
    exact_matches: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class ConceptScheme:
    slug: str  # URL segment under /vocabularies/
    title: str
    definition: str
    ai4_key: str  # the ai4-metadata field whose vocabulary this is
    concepts: tuple[Concept, ...]

    def concept(self, notation: str) -> Concept | None:
        return next((c for c in self.concepts if c.notation == notation), None)


OTHER = "Not one of the other concepts of this scheme: the source named something else."

TASK_TYPES = ConceptScheme(
    slug="task-types",
    title="AI task types",
    definition="The kinds of machine-learning task an AI module performs.",
    ai4_key="tasks",
    concepts=(
        Concept(
            "computer-vision",
            "Computer Vision",
            "Tasks that extract information from images or video: classification, detection, "
            "segmentation, tracking.",
            exact_matches=(f"{EOSC_PILOT}tasktype/Computer_Vision",),
        ),
        Concept(
            "natural-language-processing",
            "Natural Language Processing",
            "Tasks that read, write or transform human language as text or speech.",
        ),
        Concept(
            "time-series",
            "Time Series",
            "Tasks on values ordered in time: forecasting, nowcasting, sequence analysis.",
        ),
        Concept(
            "recommender-systems",
            "Recommender Systems",
            "Tasks that suggest items to users from their preferences or behaviour.",
        ),
        Concept(
            "anomaly-detection",
            "Anomaly Detection",
            "Tasks that find observations which differ markedly from the rest of the data.",
        ),
        Concept("regression", "Regression", "Tasks that predict a continuous quantity."),
        Concept(
            "classification",
            "Classification",
            "Tasks that assign each input to one or more of a set of classes.",
            exact_matches=(f"{EOSC_PILOT}tasktype/Classification",),
        ),
        Concept(
            "clustering",
            "Clustering",
            "Tasks that group inputs by similarity without predefined classes.",
        ),
        Concept(
            "dimensionality-reduction",
            "Dimensionality Reduction",
            "Tasks that represent data with fewer variables while keeping its structure.",
        ),
        Concept(
            "generative-models",
            "Generative Models",
            "Tasks that produce new data (images, text, sound) resembling their training data.",
        ),
        Concept(
            "graph-neural-networks",
            "Graph Neural Networks",
            "Tasks on graph-structured data solved with neural networks over nodes and edges.",
        ),
        Concept(
            "optimization",
            "Optimization",
            "Tasks that search for the best solution of an objective under constraints.",
        ),
        Concept(
            "reinforcement-learning",
            "Reinforcement Learning",
            "Tasks in which an agent learns actions from the rewards of its environment.",
        ),
        Concept(
            "transfer-learning",
            "Transfer Learning",
            "Tasks that adapt a model trained for one problem to another.",
        ),
        Concept(
            "uncertainty-estimation",
            "Uncertainty Estimation",
            "Tasks that quantify how confident a model's predictions are.",
        ),
        Concept("other", "Other", OTHER),
    ),
)

CATEGORIES = ConceptScheme(
    slug="categories",
    title="AI module categories",
    definition="What a user can do with an AI module of the AI4OS catalogs.",
    ai4_key="categories",
    concepts=(
        Concept(
            "ai4-pre-trained",
            "AI4 pre trained",
            "The module ships trained weights, ready to use without training.",
            exact_matches=(f"{EOSC_PILOT}category/AI4_pre_trained",),
        ),
        Concept(
            "ai4-trainable",
            "AI4 trainable",
            "The module can be trained or re-trained on the user's own data.",
            exact_matches=(f"{EOSC_PILOT}category/AI4_trainable",),
        ),
        Concept(
            "ai4-inference",
            "AI4 inference",
            "The module answers prediction requests (an inference API).",
            exact_matches=(f"{EOSC_PILOT}category/AI4_inference",),
        ),
        Concept(
            "ai4-tools",
            "AI4 tools",
            "A tool of the platform (development environment, federated server, …) rather "
            "than a model.",
        ),
    ),
)

DATA_TYPES = ConceptScheme(
    slug="data-types",
    title="Data types",
    definition="The kinds of data an AI module takes as input.",
    ai4_key="data-type",
    concepts=(
        Concept("image", "Image", "Still pictures.", (f"{DCMITYPE}StillImage",)),
        Concept("text", "Text", "Written language.", (f"{DCMITYPE}Text",)),
        Concept("time-series", "Time Series", "Measurements ordered in time."),
        Concept("tabular", "Tabular", "Records in rows and columns, as in a table."),
        Concept("graph", "Graph", "Nodes and the edges between them."),
        Concept("audio", "Audio", "Recorded sound.", (f"{DCMITYPE}Sound",)),
        Concept("video", "Video", "Moving pictures.", (f"{DCMITYPE}MovingImage",)),
        Concept("other", "Other", OTHER),
    ),
)

LIBRARIES = ConceptScheme(
    slug="libraries",
    title="Machine-learning libraries",
    definition="The software libraries an AI module is built with.",
    ai4_key="libraries",
    concepts=(
        Concept(
            "tensorflow",
            "TensorFlow",
            "Google's open-source library for machine learning with dataflow graphs.",
            homepage="https://www.tensorflow.org/",
            exact_matches=(f"{EOSC_PILOT}library/Tensorflow",),
        ),
        Concept(
            "pytorch",
            "PyTorch",
            "Open-source deep-learning library with dynamic computation graphs.",
            homepage="https://pytorch.org/",
            exact_matches=(f"{EOSC_PILOT}library/Pytorch",),
        ),
        Concept(
            "keras",
            "Keras",
            "High-level neural-network API for Python.",
            homepage="https://keras.io/",
            exact_matches=(f"{EOSC_PILOT}library/Keras",),
        ),
        Concept(
            "scikit-learn",
            "Scikit-learn",
            "Python library of classical machine-learning algorithms.",
            homepage="https://scikit-learn.org/",
        ),
        Concept(
            "xgboost",
            "XGBoost",
            "Gradient-boosted decision-tree library.",
            homepage="https://xgboost.ai/",
        ),
        Concept(
            "lightgbm",
            "LightGBM",
            "Microsoft's gradient-boosting framework based on decision trees.",
            homepage="https://lightgbm.readthedocs.io/",
        ),
        Concept(
            "catboost",
            "CatBoost",
            "Gradient-boosting library with native handling of categorical features.",
            homepage="https://catboost.ai/",
        ),
        Concept("other", "Other", OTHER),
    ),
)

SCHEMES: dict[str, ConceptScheme] = {
    s.slug: s for s in (TASK_TYPES, CATEGORIES, DATA_TYPES, LIBRARIES)
}
