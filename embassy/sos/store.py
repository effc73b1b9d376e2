"""The panic button's read of the citizen's situation, in plain SQL (SQLite and PostgreSQL alike): one query
instead of four. Its writes go through common.bulk. Used only by services.raising.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from embassy.sos.models import Alert, Case


@dataclass(frozen=True)
class Situation:
    """What the alert path needs to know about the citizen, read in one query."""

    citizen_id: int | None
    replay_case_id: int | None  # the case this idempotency key already created or joined
    open_case_id: int | None
    stay_id: int | None  # the active stay to attach: one in `country` if any, else the latest
    stay_mission_id: int | None
    stay_country: str | None


_SITUATION = """
SELECT c.id,
  (SELECT a.case_id FROM sos_alert a WHERE a.user_id = %s AND a.{key} = %s),
  (SELECT k.id FROM sos_case k WHERE k.citizen_id = c.id AND k.status IN (%s, %s) ORDER BY k.id DESC LIMIT 1),
  s.id, s.mission_id, s.country_id
FROM citizens_citizen c
LEFT JOIN citizens_stay s ON s.id = (
  SELECT t.id FROM citizens_stay t WHERE t.citizen_id = c.id AND t.status = %s
  ORDER BY CASE WHEN t.country_id = %s THEN 0 ELSE 1 END, t.start_date DESC, t.id DESC LIMIT 1)
WHERE c.user_id = %s
"""


def situation(*, user_id: int, key: str, country: str | None) -> Situation:
    sql = _SITUATION.format(key=connection.ops.quote_name(str(Alert._meta.get_field("key").column)))
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, key, Case.Status.NEW, Case.Status.ACKNOWLEDGED, "active", country or "",
                             user_id])
        row = cursor.fetchone()
    if row is None:
        return Situation(None, None, None, None, None, None)
    return Situation(*row)
