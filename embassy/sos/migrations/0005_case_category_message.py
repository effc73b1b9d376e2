# The "message" category of a conversation started by SMS or WhatsApp (sos.inbound). Choices only: no change
# to the database.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sos', '0004_floorprobe_to_benchmarks'),
    ]

    operations = [
        migrations.AlterField(
            model_name='case',
            name='category',
            field=models.CharField(blank=True, choices=[('', 'Not stated'), ('accident', 'Accident'), ('crime', 'Crime'), ('lost_passport', 'Lost passport'), ('arrest', 'Arrest or detention'), ('health', 'Health'), ('disaster', 'Disaster'), ('employer_abuse', 'Abuse by employer'), ('other', 'Other'), ('message', 'Message (SMS/WhatsApp)')], default='', max_length=20, verbose_name='category'),
        ),
    ]
