"""Full-text index structures for catalogue.search, one per database vendor.

SQLite: an FTS5 table whose rowid is the SearchDocument id, tokenised with `unicode61`, which
splits the pre-segmented, space-separated tokens exactly where catalogue.search put the spaces
(the trigram tokenizer cannot match two-character words). catalogue.search keeps it in step.

PostgreSQL: a GIN index over the weighted tsvector (name 'A', body 'B'), which finds every
match, and one over the name alone, which finds the items that rank first (a name match) without
touching the thousands of rows a common word matches in guide text. They maintain themselves.
Their expressions must stay identical to `_PostgresBackend.vector` and `.name_vector` in
catalogue/search.py, or the planner will not use them. The table is new and small, so a plain (locking) CREATE INDEX is
fine; build them CONCURRENTLY in a separate non-atomic migration if that ever changes.

Neither structure is a Django model, so makemigrations does not see them.
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
            "CREATE INDEX IF NOT EXISTS catalogue_searchdocument_tokens_gin ON catalogue_searchdocument USING gin (("
            "setweight(to_tsvector('simple'::regconfig, name_tokens), 'A')"
            " || setweight(to_tsvector('simple'::regconfig, body_tokens), 'B')))"
        )
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS catalogue_searchdocument_name_gin ON catalogue_searchdocument "
            "USING gin (to_tsvector('simple'::regconfig, name_tokens))"
        )


def drop_search_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS catalogue_search_fts")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS catalogue_searchdocument_name_gin")
        schema_editor.execute("DROP INDEX IF EXISTS catalogue_searchdocument_tokens_gin")


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]

    operations = [migrations.RunPython(create_search_index, drop_search_index, elidable=False)]
