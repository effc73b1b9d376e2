"""The panic button's read of the citizen's situation, in plain SQL (SQLite and PostgreSQL alike): one query
instead of four. Its writes go through common.bulk. Used only by services.raising.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection

from embassy.accounts.models import User
from embassy.citizens.models import Citizen, Stay
from embassy.common.clock import sql_now
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
    clock: dt.datetime | None = None  # the database's clock at this read (PostgreSQL; common.clock), else None


_SITUATION = """
SELECT c.id,
  (SELECT a.case_id FROM {alert} a WHERE a.user_id = %s AND a.{key} = %s),
  (SELECT k.id FROM {case} k WHERE k.citizen_id = c.id AND k.status IN (%s, %s) ORDER BY k.id DESC LIMIT 1),
  s.id, s.mission_id, s.country_id, {clock}
FROM {citizen} c
LEFT JOIN {stay} s ON s.id = (
  SELECT t.id FROM {stay} t WHERE t.citizen_id = c.id AND t.status = %s
  ORDER BY CASE WHEN t.country_id = %s THEN 0 ELSE 1 END, t.start_date DESC, t.id DESC LIMIT 1)
WHERE c.user_id = %s
"""
_situation_sql: dict[str, str] = {}


def situation(*, user_id: int, key: str, country: str | None) -> Situation:
    sql = _situation_sql.get(connection.vendor)
    if sql is None:  # names from the models' metadata, quoted for this database; built once
        q = connection.ops.quote_name
        sql = _situation_sql[connection.vendor] = _SITUATION.format(
            key=q(str(Alert._meta.get_field("key").column)), alert=q(Alert._meta.db_table),
            case=q(Case._meta.db_table), citizen=q(Citizen._meta.db_table), stay=q(Stay._meta.db_table),
            clock=sql_now())
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, key, Case.Status.NEW, Case.Status.ACKNOWLEDGED, Stay.Status.ACTIVE,
                             country or "", user_id])
        row = cursor.fetchone()
    if row is None:
        return Situation(None, None, None, None, None, None)
    return Situation(*row)


# --- Who is writing (an SOS or a message by SMS/WhatsApp: sos.inbound) --------------------------------------------
@dataclass(frozen=True)
class Holder:
    """A record the sender's number belongs to. `via`: 0 the number of the citizen's account, 1 the citizen's
    own phone field, 2 an account with that number and no citizen profile yet (citizen_id None)."""

    citizen_id: int | None
    user_id: int | None
    source: str
    via: int
    open_case_id: int | None


_HOLDERS = """
SELECT c.id, c.user_id, c.source, 0,
  (SELECT k.id FROM {case} k WHERE k.citizen_id = c.id AND k.status IN (%s, %s) ORDER BY k.id DESC LIMIT 1)
FROM {citizen} c JOIN {user} u ON u.id = c.user_id WHERE u.{phone} = %s
UNION ALL
SELECT NULL, u.id, '', 2, NULL FROM {user} u
WHERE u.{phone} = %s AND u.{kind} = %s AND NOT EXISTS (SELECT 1 FROM {citizen} c WHERE c.user_id = u.id)
UNION ALL
SELECT * FROM (SELECT c.id, c.user_id, c.source, 1,
  (SELECT k.id FROM {case} k WHERE k.citizen_id = c.id AND k.status IN (%s, %s) ORDER BY k.id DESC LIMIT 1)
  FROM {citizen} c WHERE c.{phone} = %s ORDER BY c.id DESC LIMIT 20) AS p
"""
_holders_sql: dict[str, str] = {}


def holders(phone: str, *, citizen_kind: str) -> list[Holder]:
    """Every record the number belongs to, in one query (instead of three, then the open cases): the citizen
    of the account with this number, an account with no profile yet, and the newest 20 citizens whose own
    phone it is, each with their open case."""
    sql = _holders_sql.get(connection.vendor)
    if sql is None:
        q = connection.ops.quote_name
        sql = _holders_sql[connection.vendor] = _HOLDERS.format(
            case=q(Case._meta.db_table), citizen=q(Citizen._meta.db_table), user=q(User._meta.db_table),
            phone=q("phone"), kind=q("kind"))
    open_ = [Case.Status.NEW, Case.Status.ACKNOWLEDGED]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*open_, phone, phone, citizen_kind, *open_, phone])
        return [Holder(*row) for row in cursor.fetchall()]


def active_stays(citizen_id: int) -> list[tuple[int, int, str]]:
    """(id, mission, country) of the citizen's active stays, latest first (at most 10): one plain query, as
    the SOS by text reads it for every message of a storm."""
    q = connection.ops.quote_name
    sql = (f"SELECT id, mission_id, country_id FROM {q(Stay._meta.db_table)} "  # noqa: S608 (the model's table)
           f"WHERE citizen_id = %s AND status = %s ORDER BY start_date DESC, id DESC LIMIT 10")
    with connection.cursor() as cursor:
        cursor.execute(sql, [citizen_id, Stay.Status.ACTIVE])
        return [(int(a), int(b), str(c)) for a, b, c in cursor.fetchall()]
