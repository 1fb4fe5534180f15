"""The Source facet's counts, computed by PostgreSQL.

Which sources publish an entry (`Module.source_labels`) is counted in the database: one
grouped query over the search's candidates that pass every other facet's selection (a
count says how many results ticking that source would give), so its cost does not grow
in Python with the catalog. The other facets' selections are matched the way
catalog.search.facets matches them (trimmed, case-folded values of the JSON lists). On
other databases (SQLite in development) the Python counting stays.
"""

from __future__ import annotations

from collections import Counter

from django.db import connection
from django.db.models import QuerySet

from catalog.models import Module
from catalog.search.facets import FACETS
from catalog.search.query import LIST_FACETS


def _column(name: str) -> str:
    return connection.ops.quote_name(Module._meta.get_field(name).column)


def _array(field: str) -> str:
    column = _column(field)
    return f"CASE WHEN jsonb_typeof(m.{column}) = 'array' THEN m.{column} ELSE '[]'::jsonb END"


def source_counts(
    candidates: QuerySet[Module], wanted: dict[str, frozenset[str]]
) -> Counter[tuple[str, str]] | None:
    """(folded label, spelling) → count, or None where the database cannot say."""
    if connection.vendor != "postgresql":
        return None
    inner, params = candidates.order_by().values("id").query.sql_with_params()
    where = [f"m.id IN ({inner})"]
    params = list(params)
    for facet in FACETS:
        chosen = wanted.get(facet)
        if facet == "source" or not chosen:
            continue
        if facet == "license":
            where.append(f"lower(btrim(m.{_column('license_spdx')})) = ANY(%s)")
        else:
            where.append(
                f"EXISTS (SELECT 1 FROM jsonb_array_elements_text({_array(LIST_FACETS[facet])}) v "  # noqa: S608
                "WHERE lower(btrim(v)) = ANY(%s))"
            )
        params.append(sorted(chosen))
    table = connection.ops.quote_name(Module._meta.db_table)
    sql = (
        f"SELECT btrim(label), count(*) FROM {table} m "  # noqa: S608 - names from the model
        f"CROSS JOIN LATERAL jsonb_array_elements_text({_array(LIST_FACETS['source'])}) label "
        f"WHERE {' AND '.join(where)} AND btrim(label) <> '' GROUP BY btrim(label)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return Counter({(label.casefold(), label): count for label, count in cursor.fetchall()})
