"""Plan indicators: their definitions, yearly targets and actual values.

The indicators follow the 2023 plan of the Luhansk Regional Universal Scientific Library
(sections 2 and 2.1-2.4: receipts, technical processing, cataloguing, classification,
subject indexing, analytic records, edits in the electronic catalogue). Each one is counted
by one SQL aggregate grouped by month and actor (``extract('month', ...)`` compiles to
``strftime`` on SQLite and ``EXTRACT`` on PostgreSQL); classification and subject indexing
compare a saved version with the one before it, so that part is checked in Python on the
versions an SQL ``LIKE`` pre-selects. docs/plan.md states every definition.

Dates are the catalogue's UTC timestamps; copies and e-resources count by the date of
their receipt (as the summary register, КСО part I, does).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, and_, cast, extract, func, select
from sqlalchemy.orm import Session, aliased

from catalog.acquisitions.models import (
    WRITTEN_OFF,
    Copy,
    CopyStatusChange,
    Receipt,
    WithdrawalAct,
)
from catalog.audit import audit
from catalog.errors import ValidationFailed
from catalog.models import AuditEntry, Record, RecordVersion, User, utcnow
from catalog.plan.models import PlanTarget

SEED_YEAR = 2023
# Departments of the library (seed plan, list of abbreviations).
DEPARTMENTS = ("ВФФіЕК", "ЦПЧ", "ВІТЕР", "ВНМР")
STAFF_SAVES = ("record.create", "record.update")

# UDC: UNIMARC 675 $a, MARC 21 080 $a.
UDC_TAGS = {"unimarc": ("675",), "marc21": ("080",)}
# Subject access: UNIMARC 600-608 and 610 (uncontrolled terms), MARC 21 6XX and 653.
SUBJECT_TAGS = {
    "unimarc": ("600", "601", "602", "604", "605", "606", "607", "608", "610"),
    "marc21": ("600", "610", "611", "630", "647", "648", "650", "651", "653", "654", "655", "656", "657", "658",
               "662", "688"),
}


@dataclass(frozen=True)
class Indicator:
    key: str
    label: object  # lazy string
    plan_line: str  # the line of the seed plan it measures (Ukrainian, as written there)
    unit: str  # "copies", "documents" or "records"
    default: int | None  # the seed plan's 2023 figure


INDICATORS: tuple[Indicator, ...] = (
    Indicator("copies_received", _l("Copies received"), "2. Надходження видань до фонду: книги", "copies", 1000),
    Indicator("eresources_received", _l("E-resources received"),
              "2. Надходження видань до фонду: електронні ресурси", "documents", 20),
    Indicator("technical_processing", _l("Technical processing"), "2.1 Технічна обробка видань", "copies", 1000),
    Indicator("catalogued", _l("Records catalogued"), "2.2 Каталогізація", "records", 1020),
    Indicator("classified", _l("Records classified (UDC)"), "2.2 Систематизація", "records", 1020),
    Indicator("subject_indexed", _l("Records subject-indexed"), "2.2 Предметизація", "records", 1020),
    Indicator("analytics", _l("Analytic records"), "2.3 Аналітичний розпис", "records", 100),
    Indicator("edits", _l("Edits in the electronic catalogue"), "2.4 Редагування в ЕК", "records", 1100),
    Indicator("withdrawn", _l("Copies withdrawn"), "Вибуття з фонду (КСО, частина II)", "copies", None),
)
BY_KEY = {ind.key: ind for ind in INDICATORS}
UNIT_LABELS = {"copies": _l("copies"), "documents": _l("documents"), "records": _l("records")}


def indicator(key: str) -> Indicator:
    if key not in BY_KEY:
        raise ValidationFailed(f"Unknown plan indicator '{key}': choose one of {', '.join(BY_KEY)}")
    return BY_KEY[key]


# --- targets -----------------------------------------------------------------------------------

@dataclass
class Target:
    value: int | None
    source: str  # "set" (by the administrator), "default" (seed plan 2023) or "" (none)


def targets_for(session: Session, year: int, department: str = "") -> dict[str, Target]:
    """The target of every indicator for ``year``: set by the administrator, else (for the
    whole library) the seed plan's 2023 figure, else none."""
    rows = session.scalars(select(PlanTarget).where(PlanTarget.year == year, PlanTarget.department == department)).all()
    chosen = {row.indicator: row.target for row in rows}
    out = {}
    for ind in INDICATORS:
        if ind.key in chosen:
            out[ind.key] = Target(chosen[ind.key], "set")
        elif not department and ind.default is not None:
            out[ind.key] = Target(ind.default, "default")
        else:
            out[ind.key] = Target(None, "")
    return out


def set_target(session: Session, actor, year: int, key: str, value: int | None, department: str = "",
               *, commit: bool = True) -> PlanTarget | None:
    """Set (or, with ``value=None``, clear) the yearly target of one indicator."""
    indicator(key)
    if not 1900 <= year <= 2200:
        raise ValidationFailed(f"Year {year} is out of range")
    if value is not None and value < 0:
        raise ValidationFailed(f"The target of '{key}' cannot be negative ({value})")
    department = (department or "").strip()[:64]
    row = session.scalar(select(PlanTarget).where(PlanTarget.year == year, PlanTarget.indicator == key,
                                                  PlanTarget.department == department))
    before = row.target if row else None
    if value is None:
        if row is not None:
            session.delete(row)
        row = None
    else:
        if row is None:
            row = PlanTarget(year=year, indicator=key, department=department, target=value)
            session.add(row)
        row.target = value
        row.updated_by = getattr(actor, "username", None) or str(actor or "")
        row.updated_at = utcnow()
    if before != value:
        audit(session, actor, "plan.target", "plan_target", f"{year}:{key}:{department}",
              {"year": year, "indicator": key, "department": department, "before": before, "after": value})
    if commit:
        session.commit()
    return row


def known_departments(session: Session) -> list[str]:
    """The library's departments plus any other a user account names."""
    found = session.scalars(select(User.department).where(User.department != "").distinct()).all()
    return list(dict.fromkeys([*DEPARTMENTS, *sorted(found)]))


# --- actual values -----------------------------------------------------------------------------

@dataclass
class Actuals:
    """Counts of every indicator in one year, by month (1-12) and by actor."""

    year: int
    cells: dict[str, dict[tuple[int, str], int]] = field(default_factory=dict)  # key -> (month, actor) -> n

    def add(self, key: str, month: int, actor: str, count: int) -> None:
        cell = self.cells.setdefault(key, {})
        cell[(month, actor or "")] = cell.get((month, actor or ""), 0) + count

    def month(self, key: str, month: int) -> int:
        return sum(n for (m, _a), n in self.cells.get(key, {}).items() if m == month)

    def months(self, key: str) -> list[int]:
        return [self.month(key, m) for m in range(1, 13)]

    def quarter(self, key: str, quarter: int) -> int:
        return sum(self.month(key, m) for m in range(3 * quarter - 2, 3 * quarter + 1))

    def total(self, key: str) -> int:
        return sum(self.cells.get(key, {}).values())

    def actors(self) -> list[str]:
        return sorted({a for cell in self.cells.values() for (_m, a) in cell})

    def by_actor(self, key: str, actor: str) -> int:
        return sum(n for (_m, a), n in self.cells.get(key, {}).items() if a == actor)

    def only(self, actors: set[str]) -> Actuals:
        """The same counts restricted to ``actors`` (e.g. the members of one department)."""
        return Actuals(self.year, {k: {ma: n for ma, n in cell.items() if ma[1] in actors}
                                   for k, cell in self.cells.items()})


def _bounds(year: int, as_date: bool = False):
    if as_date:
        return date(year, 1, 1), date(year + 1, 1, 1)
    return datetime(year, 1, 1), datetime(year + 1, 1, 1)


def _in_year(column, year: int, as_date: bool = False):
    start, end = _bounds(year, as_date)
    return and_(column >= start, column < end)


def _month(column):
    return extract("month", column)


def _entity_id():
    """The audited entity's id as an integer, to join on an indexed primary key. Only used on
    rows already filtered to record or receipt actions, whose entity ids are always numbers."""
    return cast(AuditEntry.entity_id, Integer)


def _saved_version():
    """The version number ``save_record`` writes into its audit entry's detail."""
    return AuditEntry.detail["version"].as_integer()


def _grouped(session: Session, month_col, actor_col, count_col, *joins_and_filters):
    """Run ``SELECT month, actor, count(...) ... GROUP BY month, actor``; yields (month, actor, n)."""
    month, actor = _month(month_col).label("m"), actor_col.label("a")
    query = select(month, actor, func.count(count_col))
    for item in joins_and_filters:
        query = item(query)
    query = query.group_by(month, actor)
    for m, a, n in session.execute(query):
        yield int(m), a or "", int(n)


def _received_copies(year: int, with_barcode: bool):
    first = aliased(CopyStatusChange)

    def build(query):
        query = (query.select_from(Copy).join(Receipt, Receipt.id == Copy.receipt_id)
                 .outerjoin(first, and_(first.copy_id == Copy.id, first.old_status == ""))
                 .where(_in_year(Copy.accessioned_on, year, as_date=True)))
        if with_barcode:
            query = query.where(Copy.barcode.is_not(None), Copy.barcode != "", Copy.inventory_number != "")
        return query

    return build, func.coalesce(first.actor, Receipt.created_by)


def count_copies_received(session: Session, year: int, with_barcode: bool = False):
    """Copies registered in a receipt (КСО part I) dated in ``year``; by the receipt's month and
    the person who received them. Copies loaded with legacy holdings (no receipt) do not count."""
    build, actor = _received_copies(year, with_barcode)
    return _grouped(session, Copy.accessioned_on, actor, Copy.id, build)


def count_technical_processing(session: Session, year: int):
    """Received copies that carry both an inventory number and a barcode."""
    return count_copies_received(session, year, with_barcode=True)


def count_eresources_received(session: Session, year: int):
    """E-resources registered in a receipt dated in ``year`` (one ``eresource.receive`` entry each)."""
    def build(query):
        return (query.select_from(AuditEntry)
                .join(Receipt, Receipt.id == _entity_id())
                .where(AuditEntry.action == "eresource.receive", AuditEntry.entity_type == "receipt",
                       _in_year(Receipt.received_on, year, as_date=True)))

    return _grouped(session, Receipt.received_on, AuditEntry.actor, AuditEntry.id, build)


def _created_records(year: int, analytics: bool):
    def build(query):
        query = (query.select_from(AuditEntry)
                 .join(Record, Record.id == _entity_id())
                 .where(AuditEntry.action == "record.create", AuditEntry.entity_type == "record",
                        Record.kind == "bibliographic", Record.status != "deleted", _in_year(AuditEntry.at, year)))
        if analytics:
            query = query.where(Record.host_id.is_not(None))
        return query

    return build


def count_catalogued(session: Session, year: int):
    """Bibliographic records created by staff (``record.create``: guided form, MARC editor, copy
    cataloguing, receiving, API) and not deleted since. Bulk imports (``record.import``) do not count."""
    return _grouped(session, AuditEntry.at, AuditEntry.actor, AuditEntry.id, _created_records(year, False))


def count_analytics(session: Session, year: int):
    """Catalogued records linked to a host record (articles, chapters: UNIMARC 463, MARC 21 773)."""
    return _grouped(session, AuditEntry.at, AuditEntry.actor, AuditEntry.id, _created_records(year, True))


def count_edits(session: Session, year: int):
    """Staff saves (``record.update``) of a record that was published before and stays published.

    Publishing a draft, suppressing or deleting a record is not an edit; imports are not either.
    """
    prev = aliased(RecordVersion)

    def build(query):
        return (query.select_from(AuditEntry)
                .join(prev, and_(prev.record_id == _entity_id(), prev.version == _saved_version() - 1))
                .where(AuditEntry.action == "record.update", AuditEntry.entity_type == "record",
                       AuditEntry.detail["status"].as_string() == "published", prev.status == "published",
                       _in_year(AuditEntry.at, year)))

    return _grouped(session, AuditEntry.at, AuditEntry.actor, AuditEntry.id, build)


def count_withdrawn(session: Session, year: int):
    """Copies written off (withdrawn or destroyed) by a confirmed act, by the act's date and
    the person who confirmed it. Copies left in occupied territory are not written off."""
    def build(query):
        return (query.select_from(Copy).join(WithdrawalAct, WithdrawalAct.id == Copy.withdrawal_act_id)
                .where(Copy.status.in_(WRITTEN_OFF), _in_year(Copy.written_off_on, year, as_date=True)))

    return _grouped(session, Copy.written_off_on, WithdrawalAct.confirmed_by, Copy.id, build)


# The headings whose addition counts: (indicator, tags by format, subfield codes or None for any data subfield).
HEADING_KINDS = (("classified", UDC_TAGS, "a"), ("subject_indexed", SUBJECT_TAGS, None))


def has_heading(marc_json: str | None, tags: tuple[str, ...], codes: str | None = None) -> bool:
    """Whether MARC-in-JSON holds one of ``tags`` with a non-empty subfield (of ``codes``, if given;
    otherwise any data subfield a-z or $1 for UNIMARC embedded fields)."""
    return bool(headings_in(marc_json, {"x": (tags, codes)}))


@lru_cache(maxsize=64)
def _quoted(tags: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f'"{t}"' for t in tags)


def _filled(value: dict, codes: str | None) -> bool:
    for sub in value.get("subfields", ()):
        for code, text in sub.items():
            if (code in codes if codes else (code.isalpha() or code == "1")) and str(text).strip():
                return True
    return False


def headings_in(marc_json: str | None, wanted: dict[str, tuple[tuple[str, ...], str | None]]) -> set[str]:
    """The kinds of ``wanted`` (kind -> (tags, codes)) a MARC-in-JSON record holds a filled field of."""
    if not marc_json:
        return set()
    wanted = {k: spec for k, spec in wanted.items() if any(q in marc_json for q in _quoted(spec[0]))}
    found: set[str] = set()
    if not wanted:
        return found
    for entry in json.loads(marc_json).get("fields", ()):
        for tag, value in entry.items():
            if not isinstance(value, dict):
                continue
            for kind, (tags, codes) in wanted.items():
                if tag in tags and kind not in found and _filled(value, codes):
                    found.add(kind)
    return found


def count_headings_added(session: Session, year: int) -> dict[str, list[tuple[int, str, int]]]:
    """Staff saves in ``year`` after which a bibliographic record holds a UDC number or a subject
    heading that the version before it did not (a first version counts when it has one).

    One query for both indicators; the MARC of each saved version (and of the one before it)
    is then read in Python, parsing only those whose text names a wanted tag (an SQL ``LIKE``
    pre-selection was tried: SQLite's LIKE is many times slower than Python's substring test).
    """
    prev = aliased(RecordVersion)
    query = (select(AuditEntry.at, AuditEntry.actor, RecordVersion.marc, prev.marc, Record.format)
             .select_from(AuditEntry)
             .join(RecordVersion, and_(RecordVersion.record_id == _entity_id(),
                                       RecordVersion.version == _saved_version()))
             .join(Record, Record.id == RecordVersion.record_id)
             .outerjoin(prev, and_(prev.record_id == RecordVersion.record_id, prev.version == RecordVersion.version - 1))
             .where(AuditEntry.action.in_(STAFF_SAVES), AuditEntry.entity_type == "record", _in_year(AuditEntry.at, year),
                    Record.kind == "bibliographic", Record.status != "deleted"))
    counts: dict[str, dict[tuple[int, str], int]] = {key: {} for key, _t, _c in HEADING_KINDS}
    for saved_at, actor, marc, prev_marc, fmt in session.execute(query):
        wanted = {key: (tag_map.get(fmt, ()), codes) for key, tag_map, codes in HEADING_KINDS}
        now = headings_in(marc, wanted)
        added = now - headings_in(prev_marc, {k: wanted[k] for k in now}) if now else set()
        for key in added:
            cell = counts[key]
            cell[(saved_at.month, actor or "")] = cell.get((saved_at.month, actor or ""), 0) + 1
    return {key: [(m, a, n) for (m, a), n in cell.items()] for key, cell in counts.items()}


def count_classified(session: Session, year: int):
    """Records given a UDC number (UNIMARC 675 $a, MARC 21 080 $a) by a staff save."""
    return count_headings_added(session, year)["classified"]


def count_subject_indexed(session: Session, year: int):
    """Records given subject headings (UNIMARC 600-608, 610; MARC 21 6XX, 653) by a staff save."""
    return count_headings_added(session, year)["subject_indexed"]


COUNTERS = {
    "copies_received": count_copies_received,
    "eresources_received": count_eresources_received,
    "technical_processing": count_technical_processing,
    "catalogued": count_catalogued,
    "classified": count_classified,
    "subject_indexed": count_subject_indexed,
    "analytics": count_analytics,
    "edits": count_edits,
    "withdrawn": count_withdrawn,
}


def count_actuals(session: Session, year: int) -> Actuals:
    """Every indicator's actual values in ``year``, by month and actor."""
    actuals = Actuals(year)
    headings = count_headings_added(session, year)  # classified and subject-indexed in one pass
    for key, counter in COUNTERS.items():
        rows = headings[key] if key in headings else counter(session, year)
        for month, actor, n in rows:
            actuals.add(key, month, actor, n)
    return actuals


# --- people ------------------------------------------------------------------------------------

@dataclass
class Person:
    username: str
    full_name: str
    department: str


def people(session: Session, actors: list[str]) -> dict[str, Person]:
    """Names and departments of the actors (API tokens and unknown names get no department)."""
    users = {u.username: u for u in session.scalars(select(User).where(User.username.in_(actors or [""]))).all()}
    return {a: Person(a, users[a].full_name if a in users else "", users[a].department if a in users else "")
            for a in actors}


def members_of(session: Session, department: str) -> set[str]:
    return set(session.scalars(select(User.username).where(User.department == department)).all())


# --- the report --------------------------------------------------------------------------------

@dataclass
class Row:
    indicator: Indicator
    target: Target
    months: list[int]
    quarters: list[int]
    total: int

    @property
    def percent(self) -> int | None:
        if not self.target.value:
            return None
        return round(100 * self.total / self.target.value)

    @property
    def bar(self) -> int:
        """The filled share of a progress bar, 0-100."""
        return min(100, self.percent or 0)


@dataclass
class Report:
    year: int
    department: str
    rows: list[Row]
    actors: list[tuple[Person, dict[str, int]]]
    departments: list[tuple[str, dict[str, int]]]
    elapsed: int | None  # share of the year gone (per cent) when it is the current year


def build_report(session: Session, year: int, department: str = "", today: date | None = None) -> Report:
    """Targets and actuals of ``year`` (for one department if given), with per-person and
    per-department totals."""
    department = (department or "").strip()
    actuals = count_actuals(session, year)
    everyone = people(session, actuals.actors())
    by_department: dict[str, dict[str, int]] = {}
    for actor, person in everyone.items():
        totals = by_department.setdefault(person.department, {k: 0 for k in BY_KEY})
        for key in BY_KEY:
            totals[key] += actuals.by_actor(key, actor)
    if department:
        actuals = actuals.only(members_of(session, department))
    targets = targets_for(session, year, department)
    rows = [Row(ind, targets[ind.key], actuals.months(ind.key), [actuals.quarter(ind.key, q) for q in range(1, 5)],
                actuals.total(ind.key)) for ind in INDICATORS]
    actors = [(everyone[a], {k: actuals.by_actor(k, a) for k in BY_KEY}) for a in actuals.actors()
              if any(actuals.by_actor(k, a) for k in BY_KEY)]
    today = today or date.today()
    elapsed = None
    if today.year == year:
        elapsed = round(100 * (today.timetuple().tm_yday - 1) / (366 if _leap(year) else 365))
    return Report(year, department, rows, actors, sorted(by_department.items()), elapsed)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def report_json(report: Report) -> dict:
    """The report as plain data (for /api/v1/plan/<year>)."""
    return {
        "year": report.year,
        "department": report.department or None,
        "indicators": [
            {"key": r.indicator.key, "label": str(r.indicator.label), "plan_line": r.indicator.plan_line,
             "unit": r.indicator.unit, "target": r.target.value, "target_source": r.target.source or None,
             "actual": r.total, "percent": r.percent, "months": r.months, "quarters": r.quarters}
            for r in report.rows
        ],
        "people": [{"username": p.username, "full_name": p.full_name, "department": p.department, "counts": counts}
                   for p, counts in report.actors],
        "departments": [{"department": d, "counts": counts} for d, counts in report.departments],
    }
