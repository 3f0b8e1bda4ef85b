"""Registers and reports: the summary register (КСО) parts I-III and the inventory register.

Layouts follow the Ministry of Culture's accounting instruction (order No. 22 of 03.04.2007):
part I lists receipts, part II withdrawals, part III the movement totals of a year (stock at
the start, in, out, stock at the end, by count and value, by document type and language).
Totals are SQL aggregates over the copies, so part III of 100k copies is one GROUP BY.
The statutory forms are Ukrainian documents, so their labels here are Ukrainian.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from catalog.acquisitions.models import (
    Copy,
    ElectronicResource,
    Receipt,
    WithdrawalAct,
    WithdrawalLine,
)
from catalog.models import Record

ZERO = Decimal("0.00")

SOURCE_LABELS = {
    "purchase": "Закупівля", "donation": "Дарунок", "ukrainian_book_institute": "Український інститут книги",
    "exchange": "Обмін", "replacement": "Заміна загублених", "other": "Інше",
}
REASON_LABELS = {
    "worn": "Зношеність", "obsolete": "Застарілість за змістом", "non_core": "Непрофільність",
    "duplicate": "Дублетність", "lost_by_readers": "Втрачено читачами",
    "missing_after_check": "Нестача, виявлена під час перевірки фонду",
    "destroyed_hostilities": "Знищено внаслідок бойових дій",
    "occupied_territory": "Залишено на тимчасово окупованій території (не списується)",
}
STATUS_LABELS = {
    "in_processing": "В обробці", "available": "Доступний", "on_loan": "Виданий", "missing": "Відсутній",
    "withdrawn": "Списаний", "occupied_territory": "На ТОТ / немає доступу", "destroyed": "Знищений",
}
MATERIAL_LABELS = {
    "book": "Книги", "serial": "Періодичні та продовжувані видання", "article": "Статті", "music": "Ноти, аудіо",
    "map": "Картографічні видання", "video": "Відео", "e-resource": "Електронні ресурси", "other": "Інші документи",
}
LANGUAGE_LABELS = {"ukr": "українською", "eng": "англійською", "rus": "російською", "deu": "німецькою",
                   "pol": "польською", "fre": "французькою", "": "мову не вказано"}


def language_label(code: str) -> str:
    return LANGUAGE_LABELS.get(code, code)


def money(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def fmt_money(value) -> str:
    """12345.5 -> '12 345,50' (Ukrainian accounting style)."""
    text = f"{money(value):,.2f}"
    return text.replace(",", "\u00a0").replace(".", ",")


def author_title(author: str, title: str) -> str:
    return f"{author.rstrip('. ')}. {title}" if author else title


# --- part I: receipts --------------------------------------------------------------------------

@dataclass
class ReceiptLine:
    receipt: Receipt
    copies: int = 0
    value: Decimal = ZERO
    eresources: int = 0
    eresources_value: Decimal = ZERO
    by_type: dict = field(default_factory=dict)
    by_language: dict = field(default_factory=dict)

    @property
    def total_count(self) -> int:
        return self.copies + self.eresources

    @property
    def total_value(self) -> Decimal:
        return self.value + self.eresources_value


def part1(session: Session, year: int) -> list[ReceiptLine]:
    """КСО part I: one line per receipt of ``year`` with counts and values by type and language."""
    receipts = session.scalars(select(Receipt).where(Receipt.year == year).order_by(Receipt.number)).all()
    lines = {r.id: ReceiptLine(r) for r in receipts}
    if not lines:
        return []
    rows = session.execute(
        select(Copy.receipt_id, Copy.material_type, Copy.language, func.count(Copy.id), func.sum(Copy.price))
        .join(Receipt, Receipt.id == Copy.receipt_id).where(Receipt.year == year)
        .group_by(Copy.receipt_id, Copy.material_type, Copy.language)
    ).all()
    for receipt_id, material, language, count, value in rows:
        line = lines[receipt_id]
        line.copies += count
        line.value += money(value)
        line.by_type[material] = line.by_type.get(material, 0) + count
        line.by_language[language] = line.by_language.get(language, 0) + count
    rows = session.execute(
        select(ElectronicResource.receipt_id, ElectronicResource.language, func.count(ElectronicResource.id),
               func.sum(ElectronicResource.price))
        .join(Receipt, Receipt.id == ElectronicResource.receipt_id).where(Receipt.year == year)
        .group_by(ElectronicResource.receipt_id, ElectronicResource.language)
    ).all()
    for receipt_id, language, count, value in rows:
        line = lines[receipt_id]
        line.eresources += count
        line.eresources_value += money(value)
        line.by_type["e-resource"] = line.by_type.get("e-resource", 0) + count
        line.by_language[language] = line.by_language.get(language, 0) + count
    return list(lines.values())


def source_text(receipt: Receipt) -> str:
    parts = [SOURCE_LABELS.get(receipt.source_type, receipt.source_type)]
    if receipt.source_name:
        parts.append(receipt.source_name)
    doc = " ".join(p for p in (receipt.document_type, f"№ {receipt.document_number}" if receipt.document_number else "",
                               f"від {receipt.document_date:%d.%m.%Y}" if receipt.document_date else "") if p)
    if doc:
        parts.append(doc)
    return "; ".join(parts)


PART1_HEADER = ["№ запису", "Дата", "Джерело надходження і супровідний документ", "Примірників", "Сума, грн",
                "Книги", "Періодичні", "Інші", "Електронні ресурси", "Українською", "Іншими мовами"]


def part1_rows(lines: list[ReceiptLine]) -> tuple[list[str], list[list], list]:
    """(header, rows, totals row) of part I as table cells."""
    rows, totals = [], [0] * 7
    total_value = ZERO
    for line in lines:
        books = line.by_type.get("book", 0)
        serials = line.by_type.get("serial", 0)
        eres = line.by_type.get("e-resource", 0)
        other = line.total_count - books - serials - eres
        ukr = line.by_language.get("ukr", 0)
        cells = [line.total_count, books, serials, other, eres, ukr, line.total_count - ukr]
        totals = [a + b for a, b in zip(totals, cells, strict=True)]
        total_value += line.total_value
        rows.append([line.receipt.register_number, f"{line.receipt.received_on:%d.%m.%Y}", source_text(line.receipt),
                     cells[0], fmt_money(line.total_value), *cells[1:]])
    footer = ["Разом", "", f"{len(lines)} надходжень", totals[0], fmt_money(total_value), *totals[1:]]
    return PART1_HEADER, rows, footer


# --- part II: withdrawals ----------------------------------------------------------------------

@dataclass
class ActLine:
    act: WithdrawalAct
    copies: int = 0
    value: Decimal = ZERO
    by_type: dict = field(default_factory=dict)
    by_language: dict = field(default_factory=dict)


def part2(session: Session, year: int, *, occupied: bool = False) -> list[ActLine]:
    """КСО part II: confirmed write-off acts of ``year`` (``occupied=True``: the acts that record
    copies left in occupied territory, which are listed apart because they are not written off)."""
    reason_filter = WithdrawalAct.reason == "occupied_territory" if occupied else WithdrawalAct.reason != "occupied_territory"
    acts = session.scalars(select(WithdrawalAct).where(WithdrawalAct.year == year, WithdrawalAct.status == "confirmed",
                                                       reason_filter).order_by(WithdrawalAct.number)).all()
    lines = {a.id: ActLine(a) for a in acts}
    if not lines:
        return []
    rows = session.execute(
        select(WithdrawalLine.act_id, Copy.material_type, Copy.language, func.count(WithdrawalLine.id),
               func.sum(WithdrawalLine.price))
        .join(Copy, Copy.id == WithdrawalLine.copy_id).where(WithdrawalLine.act_id.in_(list(lines)))
        .group_by(WithdrawalLine.act_id, Copy.material_type, Copy.language)
    ).all()
    for act_id, material, language, count, value in rows:
        line = lines[act_id]
        line.copies += count
        line.value += money(value)
        line.by_type[material] = line.by_type.get(material, 0) + count
        line.by_language[language] = line.by_language.get(language, 0) + count
    return list(lines.values())


PART2_HEADER = ["№ запису (акт)", "Дата", "Причина вибуття", "Примірників", "Сума, грн", "Книги", "Періодичні", "Інші",
                "Українською", "Іншими мовами"]


def part2_rows(lines: list[ActLine]) -> tuple[list[str], list[list], list]:
    rows, totals = [], [0] * 6
    total_value = ZERO
    for line in lines:
        books, serials = line.by_type.get("book", 0), line.by_type.get("serial", 0)
        ukr = line.by_language.get("ukr", 0)
        cells = [line.copies, books, serials, line.copies - books - serials, ukr, line.copies - ukr]
        totals = [a + b for a, b in zip(totals, cells, strict=True)]
        total_value += line.value
        reason = REASON_LABELS.get(line.act.reason, line.act.reason)
        if line.act.commission_ref:
            reason += f" ({line.act.commission_ref})"
        rows.append([line.act.register_number, f"{line.act.act_date:%d.%m.%Y}", reason, cells[0], fmt_money(line.value),
                     *cells[1:]])
    footer = ["Разом", "", f"{len(lines)} актів", totals[0], fmt_money(total_value), *totals[1:]]
    return PART2_HEADER, rows, footer


# --- part III: movement totals -----------------------------------------------------------------

@dataclass
class Movement:
    start_count: int = 0
    start_value: Decimal = ZERO
    in_count: int = 0
    in_value: Decimal = ZERO
    out_count: int = 0
    out_value: Decimal = ZERO

    @property
    def end_count(self) -> int:
        return self.start_count + self.in_count - self.out_count

    @property
    def end_value(self) -> Decimal:
        return self.start_value + self.in_value - self.out_value

    def add(self, other: "Movement") -> None:
        for name in ("start_count", "start_value", "in_count", "in_value", "out_count", "out_value"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Part3:
    year: int
    total: Movement
    by_type: dict[str, Movement]
    by_language: dict[str, Movement]
    occupied_now: int = 0
    occupied_value_now: Decimal = ZERO


def _sum_if(condition, value):
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


def part3(session: Session, year: int) -> Part3:
    """КСО part III for ``year``: stock at the start, received, written off, stock at the end.

    A copy is in stock from its accession date until it is written off (withdrawn or
    destroyed by a confirmed act). Copies in occupied territory stay in stock (Ministry of
    Finance letter of 10.10.2022); their current number is shown apart. E-resources count
    from their receipt and are never written off here.
    """
    start, end = date(year, 1, 1), date(year, 12, 31)
    in_stock_at_start = and_(Copy.accessioned_on < start, (Copy.written_off_on.is_(None)) | (Copy.written_off_on >= start))
    received = Copy.accessioned_on.between(start, end)
    written_off = Copy.written_off_on.between(start, end)
    rows = session.execute(
        select(
            Copy.material_type, Copy.language,
            _sum_if(in_stock_at_start, 1), _sum_if(in_stock_at_start, Copy.price),
            _sum_if(received, 1), _sum_if(received, Copy.price),
            _sum_if(written_off, 1), _sum_if(written_off, Copy.price),
        ).where(Copy.accessioned_on <= end).group_by(Copy.material_type, Copy.language)
    ).all()
    eres_date = Receipt.received_on
    rows += [
        ("e-resource", language, *values) for language, *values in session.execute(
            select(
                ElectronicResource.language,
                _sum_if(eres_date < start, 1), _sum_if(eres_date < start, ElectronicResource.price),
                _sum_if(eres_date.between(start, end), 1), _sum_if(eres_date.between(start, end), ElectronicResource.price),
                func.sum(0), func.sum(0),
            ).join(Receipt, Receipt.id == ElectronicResource.receipt_id).where(eres_date <= end)
            .group_by(ElectronicResource.language)
        ).all()
    ]
    result = Part3(year, Movement(), {}, {})
    for material, language, s_n, s_v, i_n, i_v, o_n, o_v in rows:
        movement = Movement(int(s_n or 0), money(s_v), int(i_n or 0), money(i_v), int(o_n or 0), money(o_v))
        result.total.add(movement)
        result.by_type.setdefault(material, Movement()).add(movement)
        result.by_language.setdefault(language, Movement()).add(movement)
    occupied = session.execute(
        select(func.count(Copy.id), func.coalesce(func.sum(Copy.price), 0)).where(Copy.status == "occupied_territory")).one()
    result.occupied_now, result.occupied_value_now = int(occupied[0]), money(occupied[1])
    return result


PART3_HEADER = ["Показник", "На початок року, прим.", "сума, грн", "Надійшло, прим.", "сума, грн", "Вибуло, прим.",
                "сума, грн", "На кінець року, прим.", "сума, грн"]


def part3_rows(report: Part3) -> tuple[list[str], list[list], list]:
    def cells(label: str, m: Movement) -> list:
        return [label, m.start_count, fmt_money(m.start_value), m.in_count, fmt_money(m.in_value), m.out_count,
                fmt_money(m.out_value), m.end_count, fmt_money(m.end_value)]

    rows = [["За видами документів", *[""] * 8]]
    rows += [cells("  " + MATERIAL_LABELS.get(k, k), m) for k, m in sorted(report.by_type.items())]
    rows.append(["За мовами", *[""] * 8])
    rows += [cells("  " + language_label(k), m) for k, m in sorted(report.by_language.items())]
    return PART3_HEADER, rows, cells("Усього", report.total)


# --- inventory register ------------------------------------------------------------------------

INVENTORY_HEADER = ["Дата запису", "Інвентарний номер", "Автор, назва", "Рік видання", "Ціна, грн", "№ запису КСО",
                    "Перевірено", "Акт вибуття", "Стан"]
MAX_REGISTER_ROWS = 20000


def inventory_register(session: Session, first: int, last: int, prefix: str = "") -> list[tuple]:
    """Copies with inventory numbers ``prefix+first`` .. ``prefix+last`` (the інвентарна книга)."""
    if last < first:
        first, last = last, first
    if last - first >= MAX_REGISTER_ROWS:
        from catalog.errors import ValidationFailed

        raise ValidationFailed(f"Ask for at most {MAX_REGISTER_ROWS} numbers at a time")
    return session.execute(
        select(Copy, Record.title, Record.author, Record.year, Receipt.number, Receipt.year,
               WithdrawalAct.number, WithdrawalAct.year, WithdrawalAct.act_date)
        .join(Record, Record.id == Copy.record_id)
        .outerjoin(Receipt, Receipt.id == Copy.receipt_id)
        .outerjoin(WithdrawalAct, WithdrawalAct.id == Copy.withdrawal_act_id)
        .where(Copy.inventory_prefix == prefix, Copy.inventory_serial.between(first, last))
        .order_by(Copy.inventory_serial)
    ).all()


def inventory_rows(rows: list[tuple]) -> tuple[list[str], list[list], list]:
    out = []
    total = ZERO
    for copy, title, author, year, r_num, r_year, a_num, a_year, a_date in rows:
        total += money(copy.price)
        out.append([
            f"{copy.accessioned_on:%d.%m.%Y}", copy.inventory_number,
            author_title(author, title), year or "", fmt_money(copy.price),
            f"{r_num}/{r_year}" if r_num else "", f"{copy.last_seen_at:%d.%m.%Y}" if copy.last_seen_at else "",
            f"{a_num}/{a_year} від {a_date:%d.%m.%Y}" if a_num else "", STATUS_LABELS.get(copy.status, copy.status),
        ])
    return INVENTORY_HEADER, out, ["Разом", f"{len(out)} прим.", "", "", fmt_money(total), "", "", "", ""]


# --- withdrawal act list -----------------------------------------------------------------------

ACT_HEADER = ["№ з/п", "Інвентарний номер", "Автор, назва документа", "Рік видання", "Кількість, прим.",
              "Ціна за одиницю, грн", "Сума, грн"]


def act_rows(session: Session, act: WithdrawalAct) -> tuple[list[str], list[list], list]:
    """The list attached to an act: one line per copy, totals by count and value."""
    rows = session.execute(
        select(WithdrawalLine.price, Copy.inventory_number, Record.title, Record.author, Record.year)
        .join(Copy, Copy.id == WithdrawalLine.copy_id).join(Record, Record.id == Copy.record_id)
        .where(WithdrawalLine.act_id == act.id).order_by(Copy.inventory_prefix, Copy.inventory_serial, Copy.id)
    ).all()
    out, total = [], ZERO
    for i, (price, inventory, title, author, year) in enumerate(rows, 1):
        total += money(price)
        out.append([i, inventory, author_title(author, title), year or "", 1, fmt_money(price),
                    fmt_money(price)])
    return ACT_HEADER, out, ["", "Усього", "", "", len(out), "", fmt_money(total)]


# --- CSV ---------------------------------------------------------------------------------------

def to_csv(header: list[str], rows: list[list], footer: list | None = None) -> str:
    """CSV text with a BOM, so spreadsheet programs open the Cyrillic correctly."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    if footer:
        writer.writerow(footer)
    return out.getvalue()
