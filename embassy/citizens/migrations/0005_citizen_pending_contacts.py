from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("citizens", "0004_spatial_covering_index")]

    operations = [
        migrations.AddField(
            model_name="citizen",
            name="pending_email",
            field=models.EmailField(blank=True, db_default="", default="", max_length=254),
        ),
        migrations.AddField(
            model_name="citizen",
            name="pending_phone",
            field=models.CharField(blank=True, db_default="", default="", max_length=20),
        ),
    ]
