from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_audit_append_only")]

    operations = [
        migrations.AddField(
            model_name="signincode",
            name="purpose",
            field=models.CharField(choices=[("signin", "Sign in"), ("verify", "Verify an address")],
                                   db_default="signin", default="signin", max_length=8),
        ),
        migrations.AddField(
            model_name="signincode",
            name="ip",
            field=models.CharField(blank=True, db_default="", default="", max_length=64),
        ),
        migrations.AddField(
            model_name="signincode",
            name="prefix",
            field=models.CharField(blank=True, db_default="", default="", max_length=4),
        ),
        migrations.AddIndex(
            model_name="signincode",
            index=models.Index(fields=["ip", "created_at"], name="signincode_ip_at"),
        ),
        migrations.AddIndex(
            model_name="signincode",
            index=models.Index(fields=["prefix", "created_at"], name="signincode_prefix_at"),
        ),
    ]
