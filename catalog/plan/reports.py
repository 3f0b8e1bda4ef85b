"""The plan report as tables: CSV and PDF (fpdf2 with the DejaVu font of ``catalog.acquisitions.pdf``)."""

import csv
import io

from flask_babel import gettext as _

from catalog.acquisitions.pdf import FONT, new_pdf
from catalog.plan.services import INDICATORS, Report


def month_names() -> list[str]:
    return [_("Jan"), _("Feb"), _("Mar"), _("Apr"), _("May"), _("Jun"), _("Jul"), _("Aug"), _("Sep"), _("Oct"),
            _("Nov"), _("Dec")]


def summary_table(report: Report) -> tuple[list[str], list[list]]:
    """Indicators with target, quarters, year total and per cent done."""
    header = [_("Indicator"), _("Plan line"), _("Target"), _("Q1"), _("Q2"), _("Q3"), _("Q4"), _("Year"), _("Done, %")]
    rows = [[str(r.indicator.label), r.indicator.plan_line, "" if r.target.value is None else r.target.value,
             *r.quarters, r.total, "" if r.percent is None else r.percent] for r in report.rows]
    return header, rows


def months_table(report: Report) -> tuple[list[str], list[list]]:
    """Indicators by month."""
    header = [_("Indicator"), *month_names(), _("Year")]
    rows = [[str(r.indicator.label), *r.months, r.total] for r in report.rows]
    return header, rows


def display_name(person) -> str:
    return f"{person.full_name} ({person.username})" if person.full_name else person.username


def people_table(report: Report) -> tuple[list[str], list[list]]:
    """Year totals by person (with department)."""
    header = [_("User"), _("Department"), *[str(ind.label) for ind in INDICATORS]]
    rows = [[display_name(p), p.department,
             *[counts[ind.key] for ind in INDICATORS]] for p, counts in report.actors]
    return header, rows


def departments_table(report: Report) -> tuple[list[str], list[list]]:
    header = [_("Department"), *[str(ind.label) for ind in INDICATORS]]
    rows = [[d or _("(no department)"), *[counts[ind.key] for ind in INDICATORS]] for d, counts in report.departments]
    return header, rows


def title_of(report: Report) -> str:
    title = _("Plan indicators, %(year)s", year=report.year)
    return f"{title} — {report.department}" if report.department else title


def to_csv(report: Report) -> str:
    """One CSV (with a BOM for spreadsheet programs): summary, months, people, departments."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([title_of(report)])
    for table in (summary_table, months_table, people_table, departments_table):
        header, rows = table(report)
        writer.writerow([])
        writer.writerow(header)
        writer.writerows(rows)
    return out.getvalue()


def _table(pdf, header: list[str], rows: list[list], widths: tuple, size: float = 7.5) -> None:
    pdf.set_font(FONT, size=size)
    from fpdf.fonts import FontFace

    with pdf.table(col_widths=widths, headings_style=FontFace(emphasis="BOLD"), repeat_headings=1,
                   line_height=size * 0.55, text_align="LEFT", padding=0.8) as table:
        for cells in [header, *rows]:
            table.row(["" if c is None else str(c) for c in cells])


def _heading(pdf, text: str) -> None:
    if pdf.get_y() > pdf.h - pdf.b_margin - 30:  # keep a heading with the start of its table
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font(FONT, "B", 10)
    pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")


def to_pdf(report: Report, library_name: str = "") -> bytes:
    """The report on A4 landscape: summary, months, people, departments."""
    pdf = new_pdf("L")
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    if library_name:
        pdf.set_font(FONT, size=9)
        pdf.cell(0, 5, library_name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 13)
    pdf.cell(0, 8, title_of(report), new_x="LMARGIN", new_y="NEXT", align="C")
    header, rows = summary_table(report)
    _table(pdf, header, rows, (62, 70, 20, 18, 18, 18, 18, 18, 20))
    _heading(pdf, _("By month"))
    header, rows = months_table(report)
    _table(pdf, header, rows, (62, *[15] * 12, 20), size=7)
    people_header, people_rows = people_table(report)
    if people_rows:
        _heading(pdf, _("By person"))
        _table(pdf, people_header, people_rows, (50, 25, *[22] * len(INDICATORS)), size=6.5)
        _heading(pdf, _("By department"))
        header, rows = departments_table(report)
        _table(pdf, header, rows, (75, *[22] * len(INDICATORS)), size=6.5)
    return bytes(pdf.output())
