# The coalesced task kick's flag: TaskLane -> PendingKick ("lane" is kept for the notify dispatch lanes).
# RenameModel also renames the table, common_tasklane -> common_pendingkick, on SQLite and PostgreSQL alike.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('common', '0002_tasklane'),
    ]

    operations = [
        migrations.RenameModel(old_name='TaskLane', new_name='PendingKick'),
    ]
