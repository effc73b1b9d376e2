"""The audit log stays append-only against SQLite's INSERT OR REPLACE, which deletes the conflicting row
without firing the DELETE trigger (recursive_triggers is off): a BEFORE INSERT trigger refuses a row whose id
exists already. On PostgreSQL, INSERT ... ON CONFLICT DO UPDATE fires the row UPDATE trigger of 0002, which
refuses it; nothing to add there."""

from django.db import migrations

SQLITE = [
    "CREATE TRIGGER accounts_auditevent_no_replace BEFORE INSERT ON accounts_auditevent "
    "WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM accounts_auditevent WHERE id = NEW.id) "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS accounts_auditevent_no_replace;"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_REVERSE:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_signin_code_limits")]
    operations = [migrations.RunPython(forwards, backwards)]
