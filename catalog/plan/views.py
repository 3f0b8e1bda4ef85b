"""Plan pages: the dashboard (all staff), the CSV/PDF report, yearly targets (administrator)."""

from datetime import date

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from catalog.auth import current_actor, role_required
from catalog.db import get_session
from catalog.errors import CatalogError, ValidationFailed
from catalog.models import ROLES
from catalog.plan import reports, services

bp = Blueprint("plan", __name__, url_prefix="/plan")
STAFF = tuple(r for r in ROLES if r != "admin")
FIRST_YEAR = 2014  # the library's work in evacuation began in 2014


def _year(value=None) -> int:
    value = request.args.get("year") if value is None else value
    if value in (None, ""):
        return date.today().year
    try:
        year = int(str(value).strip())
    except ValueError as exc:
        raise ValidationFailed(f"Year '{value}' is not a whole number") from exc
    if not 1900 <= year <= 2200:
        raise ValidationFailed(f"Year {year} is out of range")
    return year


def _department(value=None) -> str:
    return ((request.args.get("department") if value is None else value) or "").strip()[:64]


def _years(selected: int) -> list[int]:
    return sorted({*range(FIRST_YEAR, date.today().year + 2), selected}, reverse=True)


@bp.route("/")
@role_required(*STAFF)
def dashboard():
    session = get_session()
    year, department = _year(), _department()
    report = services.build_report(session, year, department)
    return render_template("plan/dashboard.html", report=report, years=_years(year),
                           departments=services.known_departments(session), months=reports.month_names(),
                           indicators=services.INDICATORS, units=services.UNIT_LABELS,
                           display_name=reports.display_name, done_label=_("Done, %"))


@bp.route("/report.<fmt>")
@role_required(*STAFF)
def report_file(fmt: str):
    year, department = _year(), _department()
    report = services.build_report(get_session(), year, department)
    name = f"plan-{year}"
    if fmt == "csv":
        return Response(reports.to_csv(report), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    if fmt == "pdf":
        data = reports.to_pdf(report, current_app.config.get("LIBRARY_NAME", ""))
        return Response(data, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}.pdf"'})
    raise CatalogError(f"Unknown report format '{fmt}': choose csv or pdf")


@bp.route("/targets", methods=["GET", "POST"])
@role_required("admin")
def targets():
    session = get_session()
    source = request.form if request.method == "POST" else request.args
    year, department = _year(source.get("year")), _department(source.get("department"))
    errors = {}
    if request.method == "POST":
        values = {}
        for ind in services.INDICATORS:
            raw = (request.form.get(ind.key) or "").strip()
            if not raw:
                values[ind.key] = None
                continue
            try:
                values[ind.key] = int(raw)
                if values[ind.key] < 0:
                    raise ValueError
            except ValueError:
                errors[ind.key] = _("Enter a whole number, 0 or more, or leave it empty")
        if not errors:
            for key, value in values.items():
                services.set_target(session, current_actor(), year, key, value, department, commit=False)
            session.commit()
            flash(_("Targets for %(year)s saved", year=year), "success")
            return redirect(url_for(".dashboard", year=year, department=department or None))
        flash(_("Some targets were not saved: see the marked fields"), "error")
    current = services.targets_for(session, year, department)
    entered = request.form if request.method == "POST" else {
        k: ("" if t.source != "set" else t.value) for k, t in current.items()}
    return render_template("plan/targets.html", year=year, department=department, years=_years(year),
                           departments=services.known_departments(session), indicators=services.INDICATORS,
                           current=current, entered=entered, errors=errors,
                           units=services.UNIT_LABELS), (422 if errors else 200)
