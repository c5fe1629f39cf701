"""Full-text index structures for catalogue.search, one per database vendor.

SQLite: an FTS5 table whose rowid is the SearchDocument id, tokenised with `unicode61`, which
splits the pre-segmented, space-separated tokens exactly where catalogue.search put the spaces
(the trigram tokenizer cannot match two-character words). catalogue.search keeps it in step.

PostgreSQL: a GIN index over the weighted tsvector (name 'A', body 'B'), which finds every
match, and one over the name alone, which finds the items that rank first (a name match) without
touching the thousands of rows a common word matches in guide text. They maintain themselves.

The tsvectors are computed by two small SQL functions rather than written out in the index
definitions, for the planner's sake: it prices to_tsvector at a fraction of its real cost (about
20 µs a call), and on a small catalogue or with a LIMIT it chose a sequential scan that rebuilt
every row's tsvector (12 ms instead of 0.7 ms over 300 items). A function declares its true COST;
its SET clause pins the search_path, as a function in an index should, and keeps the planner
from inlining it, which would drop that COST. catalogue/search.py must call the same functions.

The table is new and small, so a plain (locking) CREATE INDEX is fine; build them CONCURRENTLY
in a separate non-atomic migration if that ever changes.

None of them is a Django model, so makemigrations does not see them.
"""

from django.db import migrations


def create_search_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS catalogue_search_fts "
            "USING fts5(name_tokens, body_tokens, tokenize = 'unicode61')"
        )
        # Documents written before this migration (none in a fresh database) are indexed now.
        schema_editor.execute(
            "INSERT INTO catalogue_search_fts (rowid, name_tokens, body_tokens) "
            "SELECT id, name_tokens, body_tokens FROM catalogue_searchdocument"
        )
    elif vendor == "postgresql":
        schema_editor.execute(
            "CREATE OR REPLACE FUNCTION catalogue_search_vector(name_tokens text, body_tokens text) "
            "RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE COST 1000 SET search_path = pg_catalog AS "
            "$$ SELECT setweight(to_tsvector('simple'::regconfig, name_tokens), 'A')"
            " || setweight(to_tsvector('simple'::regconfig, body_tokens), 'B') $$"
        )
        schema_editor.execute(
            "CREATE OR REPLACE FUNCTION catalogue_search_name_vector(name_tokens text) "
            "RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE COST 400 SET search_path = pg_catalog AS "
            "$$ SELECT to_tsvector('simple'::regconfig, name_tokens) $$"
        )
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS catalogue_searchdocument_tokens_gin ON catalogue_searchdocument "
            "USING gin (catalogue_search_vector(name_tokens, body_tokens))"
        )
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS catalogue_searchdocument_name_gin ON catalogue_searchdocument "
            "USING gin (catalogue_search_name_vector(name_tokens))"
        )


def drop_search_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS catalogue_search_fts")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS catalogue_searchdocument_name_gin")
        schema_editor.execute("DROP INDEX IF EXISTS catalogue_searchdocument_tokens_gin")
        schema_editor.execute("DROP FUNCTION IF EXISTS catalogue_search_name_vector(text)")
        schema_editor.execute("DROP FUNCTION IF EXISTS catalogue_search_vector(text, text)")


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]

    operations = [migrations.RunPython(create_search_index, drop_search_index, elidable=False)]
