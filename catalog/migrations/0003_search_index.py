# Full-text and typo-tolerant search support, PostgreSQL only.
#
# No model state changes: the indexes are expressions over existing columns and only
# PostgreSQL can build them, so they are created by RunPython guarded on the vendor and
# SQLite development databases simply go without (catalog.search falls back to icontains).
# 0004 replaces the vector expression index with a stored, trigger-kept column; the
# trigram index on UPPER(title) stays.

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVector
from django.db import migrations
from django.db.models import TextField
from django.db.models.functions import Cast, Upper

VECTOR_INDEX = "catalog_module_search_gin"
TITLE_TRGM_INDEX = "catalog_module_title_trgm"


def _vector():
    return (
        SearchVector("title", weight="A", config="english")
        + SearchVector(Cast("tags", TextField()), weight="B", config="english")
        + SearchVector("summary", weight="B", config="english")
        + SearchVector("description", weight="C", config="english")
    )


def _indexes():
    return [
        GinIndex(_vector(), name=VECTOR_INDEX),
        # Serves `title__icontains` (UPPER(title::text) LIKE UPPER(...)) in the same search.
        GinIndex(
            OpClass(Upper(Cast("title", TextField())), name="gin_trgm_ops"),
            name=TITLE_TRGM_INDEX,
        ),
    ]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    module = apps.get_model("catalog", "Module")
    for index in _indexes():
        schema_editor.add_index(module, index)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    module = apps.get_model("catalog", "Module")
    for index in _indexes():
        schema_editor.remove_index(module, index)
    # pg_trgm stays: other objects may depend on it and it costs nothing.


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
