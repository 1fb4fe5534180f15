# A stored full-text document per module, PostgreSQL only.
#
# 0003 indexed the tsvector *expression*; ranking (and any plan the planner prefers as a
# sequential scan) still recomputed to_tsvector over every description on every search,
# which grows with README-sized descriptions. A column kept up to date by a trigger costs
# that once per write instead. Not in Django's model state on purpose: SQLite development
# databases have no tsvector, and a trigger (unlike a generated column) does not block
# later ALTER COLUMN TYPE migrations on the source columns. catalog.search.text reads it.

import importlib

from django.db import migrations

COLUMN_SQL = """
ALTER TABLE catalog_module ADD COLUMN IF NOT EXISTS search_document tsvector;

CREATE OR REPLACE FUNCTION catalog_module_search_document() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- Long texts are cut so a huge description can never exceed the 1 MB tsvector limit
  -- and fail the write that publishes the module.
  NEW.search_document :=
    setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A') ||
    setweight(to_tsvector('english', left(coalesce(NEW.tags::text, ''), 20000)), 'B') ||
    setweight(to_tsvector('english', left(coalesce(NEW.summary, ''), 20000)), 'B') ||
    setweight(to_tsvector('english', left(coalesce(NEW.description, ''), 200000)), 'C');
  RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS catalog_module_search_document ON catalog_module;
CREATE TRIGGER catalog_module_search_document
  BEFORE INSERT OR UPDATE OF title, tags, summary, description ON catalog_module
  FOR EACH ROW EXECUTE FUNCTION catalog_module_search_document();

UPDATE catalog_module SET title = title;

DROP INDEX IF EXISTS catalog_module_search_gin;
CREATE INDEX IF NOT EXISTS catalog_module_search_document_gin
  ON catalog_module USING gin (search_document);
"""

DROP_SQL = """
DROP INDEX IF EXISTS catalog_module_search_document_gin;
DROP TRIGGER IF EXISTS catalog_module_search_document ON catalog_module;
DROP FUNCTION IF EXISTS catalog_module_search_document();
ALTER TABLE catalog_module DROP COLUMN IF EXISTS search_document;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(COLUMN_SQL)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(DROP_SQL)
    previous = importlib.import_module("catalog.migrations.0003_search_index")
    module = apps.get_model("catalog", "Module")
    schema_editor.add_index(module, previous._indexes()[0])


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_search_index")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
