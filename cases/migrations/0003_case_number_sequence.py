"""A PostgreSQL sequence for case numbers: nextval() takes no row lock and is never rolled back,
so concurrent submissions do not queue on a counter row and no number is ever handed out twice.
SQLite (one writer at a time) keeps using the CaseNumberCounter table."""

from django.db import migrations


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE SEQUENCE IF NOT EXISTS cases_case_number_seq")


def reverse(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP SEQUENCE IF EXISTS cases_case_number_seq")


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_instant_decision")]
    operations = [migrations.RunPython(forward, reverse)]
