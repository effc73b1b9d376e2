"""Periodic jobs of accounts."""

import datetime as dt

from django.utils import timezone

from embassy.accounts.models import SignInCode
from embassy.common.tasking import task
from embassy.common.tasks import periodic


@periodic(dt.timedelta(hours=1))
@task(queue_name="default")
def purge_expired_signin_codes() -> int:
    cutoff = timezone.now() - dt.timedelta(days=1)
    deleted, _ = SignInCode.objects.filter(expires_at__lt=cutoff).delete()
    return deleted
