"""The standard services data file (data/consular_services.csv), read all or nothing: every problem is
reported with the file, the line and the field. Lists are " | "-separated, the Indonesian and English lists
item for item. Format: the comment lines at the top of the file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings

from embassy.missions.loader import DataFileError, csv_records

COLUMNS = ["code", "name_id", "name_en", "description_id", "description_en", "requirements_id", "requirements_en",
           "documents_id", "documents_en", "fee", "currency", "target_days", "needs_appointment", "legal_basis",
           "sources", "source_date"]
CODE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
CURRENCY = re.compile(r"[A-Z]{3}")
DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
SEPARATOR = " | "


@dataclass(frozen=True)
class ServiceRow:
    line: int
    code: str
    order: int
    name_id: str
    name_en: str
    description_id: str
    description_en: str
    requirements: list[dict[str, str]]
    documents: list[dict[str, object]]
    fee: Decimal | None
    currency: str
    target_days: int | None
    needs_appointment: bool
    legal_basis: str
    sources: str


def _pairs(path: str, line: int, field: str, id_text: str, en_text: str) -> list[dict[str, str]]:
    ids = [t.strip() for t in id_text.split("|") if t.strip()]
    ens = [t.strip() for t in en_text.split("|") if t.strip()]
    if len(ids) != len(ens):
        raise DataFileError(path, line, field, f"{len(ids)} Indonesian items against {len(ens)} English ones")
    return [{"id": i, "en": e} for i, e in zip(ids, ens, strict=True)]


def _document(pair: dict[str, str], n: int) -> dict[str, object]:
    key = re.sub(r"[^a-z0-9]+", "-", pair["en"].lower()).strip("-")[:40] or f"document-{n}"
    return {**pair, "key": key, "types": list(settings.CONSULAR_DOCUMENT_TYPES),
            "max_mb": settings.CONSULAR_DOCUMENT_MAX_MB}


def parse_services(text: str, path: str = "<memory>") -> list[ServiceRow]:
    _header, records = csv_records(text, path, COLUMNS)
    rows: list[ServiceRow] = []
    seen: set[str] = set()
    for order, (line, r) in enumerate(records, start=1):
        def bad(field: str, message: str, line: int = line) -> DataFileError:
            return DataFileError(path, line, field, message)

        if not CODE.fullmatch(r["code"]) or len(r["code"]) > 40:
            raise bad("code", "lower-case letters, digits and dashes")
        if r["code"] in seen:
            raise bad("code", f"{r['code']} appears twice")
        seen.add(r["code"])
        for field in ("name_id", "name_en", "sources"):
            if not r[field]:
                raise bad(field, "required")
        try:
            fee = Decimal(r["fee"]) if r["fee"] else None
        except InvalidOperation:
            raise bad("fee", "a number (or empty when the fee is not set)") from None
        if fee is not None and fee < 0:
            raise bad("fee", "not negative")
        if not CURRENCY.fullmatch(r["currency"]):
            raise bad("currency", "an ISO 4217 code such as IDR")
        if r["target_days"] and (not r["target_days"].isdigit() or int(r["target_days"]) > 365):
            raise bad("target_days", "working days, 0 to 365 (or empty when not set)")
        if r["needs_appointment"] not in ("yes", "no"):
            raise bad("needs_appointment", "yes or no")
        if any(not s.startswith(("http://", "https://")) for s in r["sources"].split()):
            raise bad("sources", "space-separated http(s) addresses")
        if r["source_date"] and not DATE.fullmatch(r["source_date"]):
            raise bad("source_date", "YYYY-MM-DD, YYYY-MM or YYYY")
        documents = _pairs(path, line, "documents_en", r["documents_id"], r["documents_en"])
        rows.append(ServiceRow(
            line=line, code=r["code"], order=order * 10, name_id=r["name_id"], name_en=r["name_en"],
            description_id=r["description_id"], description_en=r["description_en"],
            requirements=_pairs(path, line, "requirements_en", r["requirements_id"], r["requirements_en"]),
            documents=[_document(d, n) for n, d in enumerate(documents, start=1)], fee=fee,
            currency=r["currency"], target_days=int(r["target_days"]) if r["target_days"] else None, needs_appointment=r["needs_appointment"] == "yes",
            legal_basis=r["legal_basis"], sources=r["sources"]))
    return rows


def read_services(path: Path) -> list[ServiceRow]:
    return parse_services(path.read_text(encoding="utf-8"), str(path))
