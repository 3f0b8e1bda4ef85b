"""PDF registers and the withdrawal act (fpdf2 with the DejaVu Sans TTF for Cyrillic).

The act follows the structure of the Ministry of Finance's standard form «Акт списання
вилучених документів з бібліотечного фонду» (order No. 818 of 13.09.2016): institution and
EDRPOU code, approval block, act number and date, the commission and its order, the
reason, the list (inventory number, author and title, year, count, unit price, sum), totals,
the commission's signatures and the accounting service's mark.
"""

from pathlib import Path

from fpdf import FPDF
from sqlalchemy.orm import Session

from catalog.acquisitions import reports
from catalog.acquisitions.models import EVIDENCE_REASONS, WithdrawalAct

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
FONT = "DejaVu"


def new_pdf(orientation: str = "P", unit: str = "mm", fmt="A4") -> FPDF:
    """An FPDF document with DejaVu Sans (regular and bold) registered."""
    pdf = FPDF(orientation=orientation, unit=unit, format=fmt)
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_font(FONT, size=9)
    pdf.set_creator("Kataloh")
    return pdf


class Measure:
    """Fast string widths for one font: single-character widths, memoised (fpdf2's own is slow)."""

    def __init__(self, pdf: FPDF):
        self.pdf = pdf
        self.cache: dict[str, float] = {}

    def __call__(self, text: str) -> float:
        cache, total = self.cache, 0.0
        for ch in text:
            width = cache.get(ch)
            if width is None:
                width = cache[ch] = self.pdf.get_string_width(ch)
            total += width
        return total


def wrap(measure, text: str, width: float) -> list[str]:
    """Split ``text`` into lines no wider than ``width`` (long words are cut)."""
    lines: list[str] = []
    space = measure(" ")
    for paragraph in (text or "").split("\n"):
        line, line_w = "", 0.0
        for word in paragraph.split(" "):
            word_w = measure(word)
            if line and line_w + space + word_w <= width:
                line, line_w = f"{line} {word}", line_w + space + word_w
                continue
            if not line and word_w <= width:
                line, line_w = word, word_w
                continue
            if line:
                lines.append(line)
            while word_w > width and len(word) > 1:
                cut = len(word) - 1
                while cut > 1 and measure(word[:cut]) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
                word_w = measure(word)
            line, line_w = word, word_w
        lines.append(line)
    return lines or [""]


def _table(pdf: FPDF, header: list[str], rows: list[list], footer: list | None, widths: tuple, size: float = 7.5) -> None:
    """A bordered table with wrapped cells and the heading repeated on every page.

    Drawn cell by cell: fpdf2's own ``table()`` lays out each row too slowly for a
    register of thousands of lines.
    """
    scale = pdf.epw / sum(widths)
    widths = [w * scale for w in widths]
    pad, line_h = 0.8, size * 0.42

    pdf.set_font(FONT, "", size)
    regular = Measure(pdf)
    pdf.set_font(FONT, "B", size)
    bold_measure = Measure(pdf)

    def draw(cells: list, bold: bool = False) -> None:
        pdf.set_font(FONT, "B" if bold else "", size)
        measure = bold_measure if bold else regular
        wrapped = [wrap(measure, "" if c is None else str(c), w - 2 * pad) for c, w in zip(cells, widths, strict=True)]
        height = max(len(lines) for lines in wrapped) * line_h + 2 * pad
        if pdf.get_y() + height > pdf.page_break_trigger and not is_heading:
            pdf.add_page()
            _heading()
        x, y = pdf.l_margin, pdf.get_y()
        for lines, w in zip(wrapped, widths, strict=True):
            pdf.rect(x, y, w, height)
            for i, line in enumerate(lines):
                if line:
                    pdf.text(x + pad, y + pad + (i + 0.78) * line_h, line)
            x += w
        pdf.set_xy(pdf.l_margin, y + height)

    is_heading = False

    def _heading() -> None:
        nonlocal is_heading
        is_heading = True
        draw(header, bold=True)
        is_heading = False

    _heading()
    for cells in rows:
        draw(cells)
    if footer:
        draw(footer, bold=True)


def report_pdf(title: str, subtitle: str, header: list[str], rows: list[list], footer: list | None,
               widths: tuple, *, library_name: str = "", orientation: str = "L") -> bytes:
    """A register page set: library, title, subtitle, then the table with repeated headings."""
    pdf = new_pdf(orientation)
    pdf.set_auto_page_break(True, margin=12)
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_font(FONT, size=9)
    if library_name:
        pdf.cell(0, 5, library_name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 13)
    pdf.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT", align="C")
    if subtitle:
        pdf.set_font(FONT, size=10)
        pdf.cell(0, 6, subtitle, new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.ln(2)
    _table(pdf, header, rows, footer, widths)
    return bytes(pdf.output())


def part1_pdf(session: Session, year: int, library_name: str = "") -> bytes:
    header, rows, footer = reports.part1_rows(reports.part1(session, year))
    return report_pdf("Книга сумарного обліку бібліотечного фонду", f"Частина I. Надходження до фонду, {year} рік",
                      header, rows, footer, (14, 18, 78, 18, 24, 16, 18, 14, 20, 20, 20), library_name=library_name)


def part2_pdf(session: Session, year: int, library_name: str = "") -> bytes:
    header, rows, footer = reports.part2_rows(reports.part2(session, year))
    occupied = reports.part2(session, year, occupied=True)
    if occupied:
        _h, extra, extra_footer = reports.part2_rows(occupied)
        rows = rows + [[footer[0], *footer[1:]], ["", "", "Не списуються: на тимчасово окупованій території", *[""] * 7],
                       *extra]
        footer = ["(на ТОТ)", *extra_footer[1:]]
    return report_pdf("Книга сумарного обліку бібліотечного фонду", f"Частина II. Вибуття з фонду, {year} рік",
                      header, rows, footer, (20, 18, 90, 18, 24, 16, 18, 14, 20, 22), library_name=library_name)


def part3_pdf(session: Session, year: int, library_name: str = "") -> bytes:
    report = reports.part3(session, year)
    header, rows, footer = reports.part3_rows(report)
    subtitle = f"Частина III. Підсумки руху фонду, {year} рік"
    pdf_rows = rows
    if report.occupied_now:
        pdf_rows = rows + [[f"  у тому числі на ТОТ / без доступу (поточний стан): {report.occupied_now} прим., "
                            f"{reports.fmt_money(report.occupied_value_now)} грн", *[""] * 8]]
    return report_pdf("Книга сумарного обліку бібліотечного фонду", subtitle, header, pdf_rows, footer,
                      (70, 24, 26, 22, 26, 22, 26, 24, 26), library_name=library_name)


def inventory_pdf(session: Session, first: int, last: int, prefix: str = "", library_name: str = "") -> bytes:
    header, rows, footer = reports.inventory_rows(reports.inventory_register(session, first, last, prefix))
    return report_pdf("Інвентарна книга", f"Інвентарні номери {prefix}{first} – {prefix}{last}", header, rows, footer,
                      (20, 24, 88, 18, 22, 20, 20, 34, 24), library_name=library_name)


def act_pdf(session: Session, act: WithdrawalAct, library_name: str = "", edrpou: str = "") -> bytes:
    """The withdrawal act with its list, in the layout of the Ministry of Finance form (order No. 818)."""
    header, rows, footer = reports.act_rows(session, act)
    from catalog.acquisitions.services import act_totals

    count, total = act_totals(session, act)
    occupied = act.reason == "occupied_territory"
    pdf = new_pdf("P")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font(FONT, size=9)
    top = pdf.get_y()
    pdf.multi_cell(95, 4.5, f"{library_name}\n(найменування установи)\nІдентифікаційний код за ЄДРПОУ {edrpou or '________'}")
    pdf.set_xy(120, top)
    pdf.multi_cell(80, 4.5, "ЗАТВЕРДЖУЮ\nКерівник ____________________\n(підпис)      (ініціали, прізвище)\n"
                   "«___» ______________ 20___ р.")
    pdf.ln(6)
    pdf.set_font(FONT, "B", 12)
    pdf.cell(0, 6, f"АКТ № {act.register_number}", new_x="LMARGIN", new_y="NEXT", align="C")
    subject = ("про документи бібліотечного фонду, що залишилися на тимчасово окупованій території" if occupied
               else "списання вилучених документів з бібліотечного фонду")
    pdf.cell(0, 6, subject, new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.set_font(FONT, size=10)
    pdf.cell(0, 6, f"від {act.act_date:%d.%m.%Y}", new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.ln(3)
    members = act.commission_members.strip() or "__________________________________________"
    text = (f"Комісія, призначена наказом (розпорядженням) керівника ({act.commission_ref or '№ ____ від ____________'}), у складі: "
            f"{members}, провела перевірку документів, відібраних для "
            f"{'обліку як таких, що перебувають на тимчасово окупованій території' if occupied else 'списання з бібліотечного фонду'}"
            f", і встановила: причина — {reports.REASON_LABELS.get(act.reason, act.reason).lower()}.")
    pdf.multi_cell(0, 5, text, align="L")
    if act.notes:
        pdf.multi_cell(0, 5, act.notes)
    pdf.ln(2)
    pdf.set_font(FONT, "B", 10)
    pdf.cell(0, 6, f"Список документів до акта № {act.register_number}", new_x="LMARGIN", new_y="NEXT")
    _table(pdf, header, rows, footer, (10, 24, 76, 14, 16, 24, 26), size=8)
    pdf.ln(3)
    pdf.set_font(FONT, size=10)
    if occupied:
        summary = (f"Усього за актом {count} примірників на суму {reports.fmt_money(total)} грн. Документи не списуються: "
                   "вони залишаються власністю установи й обліковуються зі станом «на тимчасово окупованій території / "
                   "немає доступу» (лист Міністерства фінансів України від 10.10.2022).")
    else:
        summary = f"Усього за цим актом списується {count} примірників на суму {reports.fmt_money(total)} грн."
    pdf.multi_cell(0, 5, summary)
    if act.reason in EVIDENCE_REASONS and act.attachments:
        pdf.ln(2)
        pdf.multi_cell(0, 5, "Додатки (докази): " + "; ".join(
            f"{a.filename} (SHA-256 {a.sha256[:16]}…)" for a in act.attachments))
    pdf.ln(6)
    for role in ("Голова комісії", "Члени комісії", "", "Матеріально відповідальна особа"):
        pdf.cell(0, 7, f"{role:<32} ____________  ______________________", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.multi_cell(0, 5, "Відмітка бухгалтерської служби: зміни в облікових даних внесено «___» ____________ 20___ р.\n"
                   "Бухгалтер ____________  ______________________")
    if act.status != "confirmed":
        pdf.set_text_color(180, 0, 0)
        pdf.cell(0, 8, "ЧЕРНЕТКА — акт не затверджено", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    return bytes(pdf.output())
