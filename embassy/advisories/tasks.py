"""Background work: tell people when a country's advisory level changes."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from embassy.accounts.models import User
from embassy.advisories.levels import Level
from embassy.advisories.models import AdvisoryVersion, CountryFollow
from embassy.citizens.models import Stay
from embassy.common.bulk import batched
from embassy.common.links import absolute
from embassy.common.sms import sms_fit, sms_link, sms_render
from embassy.common.tasking import task
from embassy.notify.services import Priority, notify_user

CHUNK = 500


def level_change_sms(*, country: str, level: int, label: str, rose: bool, url: str) -> str:
    """A level change as one GSM-7 SMS in the active language (a very long country name is shortened before
    the level's label: "Do not travel" must arrive whole)."""
    template = (_("%(country)s travel advisory raised to level %(level)s: %(label)s. %(url)s") if rose
                else _("%(country)s travel advisory lowered to level %(level)s: %(label)s. %(url)s"))
    values = {"country": country, "level": level, "label": label, "url": url}
    return (sms_render(template, values, shrink=("country", "label"), min_keep=16)
            or sms_fit(template % values)[0])


def recipient_ids(country: str) -> list[int]:
    """Users to tell about a country: citizens with an active stay there (signed-in accounts only) and
    everyone who follows it; each once, in a stable order."""
    staying = Stay.objects.filter(country_id=country, status=Stay.Status.ACTIVE, citizen__user__isnull=False)
    ids = set(staying.values_list("citizen__user_id", flat=True))
    ids.update(CountryFollow.objects.filter(country_id=country).values_list("user_id", flat=True))
    ids.discard(None)
    return sorted(ids)


@task(queue_name="notify")
def notify_level_change(version_id: int) -> int:
    """Queue one notification per recipient of a published version whose country level changed: HIGH
    priority when the level rose, NORMAL when it fell; in each recipient's language. Idempotent (the
    dedupe key is per version and user), so a retried task sends nothing twice. Returns users notified."""
    version = AdvisoryVersion.objects.select_related("country").filter(pk=version_id).first()
    if version is None or version.status not in AdvisoryVersion.PUBLIC:
        return 0
    before = version.previous_level or Level.NORMAL
    rose = version.level > before
    path = reverse("advisories:country", args=[version.country_id])
    url = absolute(path)
    sms_url = sms_link(path)
    sms_texts: dict[str, str] = {}  # by language: the same for every recipient
    sent = 0
    for chunk in batched(recipient_ids(version.country_id), CHUNK):
        with transaction.atomic():
            for user in User.objects.filter(pk__in=chunk, is_active=True).only("id", "language", "email", "phone"):
                with translation.override(user.language or "id"):
                    name = version.country.name()
                    label = str(Level(version.level).label)
                    subject = (_("%(country)s: travel advisory raised to level %(level)d") if rose
                               else _("%(country)s: travel advisory lowered to level %(level)d")) % {
                        "country": name, "level": version.level}
                    body = _("Level %(level)d — %(label)s. %(reason)s") % {
                        "level": version.level, "label": label, "reason": version.reason}
                    language = user.language or "id"
                    if language not in sms_texts:
                        sms_texts[language] = level_change_sms(country=name, level=version.level, label=label,
                                                               rose=rose, url=sms_url)
                notify_user(
                    user=user, subject=subject, body=body.strip(), url=url,
                    priority=Priority.HIGH if rose else Priority.NORMAL,
                    kind="advisory", dedupe_key=f"advisory:{version.pk}:{user.pk}",
                    data={"country": version.country_id, "level": version.level, "previous_level": before,
                          "version": version.number},
                    sms=sms_texts[language], fallback=("sms",),  # people who signed up with a phone number only
                )
                sent += 1
    return sent
