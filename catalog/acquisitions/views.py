"""Acquisitions pages: receipts, copies, withdrawal acts, registers and labels (thin views)."""

from datetime import date

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from catalog.acquisitions import forms, holdings, labels, pdf, reports, services
from catalog.acquisitions.models import ActAttachment, Copy, Receipt, WithdrawalAct, WithdrawalLine
from catalog.auth import current_actor, role_required
from catalog.db import get_session
from catalog.errors import CatalogError, NotFound
from catalog.models import Record

bp = Blueprint("acquisitions", __name__, url_prefix="/acquisitions")
ROLE = "acquisitions"

holdings.register()


@bp.app_context_processor
def _labels():
    return {"acq": {"sources": dict(forms.SOURCE_CHOICES), "reasons": dict(forms.REASON_CHOICES),
                    "statuses": dict(forms.STATUS_CHOICES), "money": reports.fmt_money}}


def _back(default: str):
    target = request.form.get("next") or request.referrer or default
    return redirect(target if target.startswith("/") or target.startswith(request.host_url) else default)


def _fail(exc: CatalogError, default: str):
    flash(exc.message, "error")
    return _back(default)


def _year() -> int:
    return forms.whole_number(request.args.get("year"), _("Year"), default=date.today().year, minimum=1900)


def _output(kind: str, title: str, header, rows, footer, pdf_bytes_fn, template_args: dict):
    """Render a register as HTML (default), CSV or PDF according to ?format=."""
    fmt = request.args.get("format", "html")
    if fmt == "csv":
        return Response(reports.to_csv(header, rows, footer), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{kind}.csv"'})
    if fmt == "pdf":
        return Response(pdf_bytes_fn(), mimetype="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{kind}.pdf"'})
    return render_template("acquisitions/register.html", title=title, header=header, rows=rows, footer=footer,
                           kind=kind, **template_args)


# --- home --------------------------------------------------------------------------------------

@bp.route("/")
@role_required(ROLE)
def index():
    session = get_session()
    receipts = session.scalars(select(Receipt).order_by(Receipt.id.desc()).limit(15)).all()
    counts = dict(session.execute(select(Receipt.id, func.count(Copy.id)).join(Copy, Copy.receipt_id == Receipt.id)
                                  .where(Receipt.id.in_([r.id for r in receipts])).group_by(Receipt.id)).all())
    acts = session.scalars(select(WithdrawalAct).order_by(WithdrawalAct.id.desc()).limit(10)).all()
    status_counts = dict(session.execute(select(Copy.status, func.count()).group_by(Copy.status)).all())
    return render_template("acquisitions/index.html", receipts=receipts, counts=counts, acts=acts,
                           status_counts=status_counts, year=date.today().year)


@bp.route("/copies/find")
@role_required(ROLE)
def find_copy():
    key = (request.args.get("q") or "").strip()
    try:
        copy = services.resolve_copies(get_session(), [key])[0] if key else None
    except NotFound as exc:
        flash(exc.message, "error")
        return redirect(url_for(".index"))
    return redirect(url_for(".copy_page", copy_id=copy.id) if copy else url_for(".index"))


# --- receipts ----------------------------------------------------------------------------------

@bp.route("/receipts/new", methods=["GET", "POST"])
@role_required(ROLE)
def new_receipt():
    if request.method == "POST":
        f = request.form
        try:
            receipt = services.create_receipt(
                get_session(), current_actor(), received_on=f.get("received_on"), source_type=f.get("source_type", ""),
                source_name=f.get("source_name", ""), document_type=f.get("document_type", ""),
                document_number=f.get("document_number", ""), document_date=f.get("document_date"), notes=f.get("notes", ""))
        except CatalogError as exc:
            flash(exc.message, "error")
            return render_template("acquisitions/receipt_form.html", form=f, sources=forms.SOURCE_CHOICES), 422
        flash(_("Receipt %(number)s opened", number=receipt.register_number), "success")
        return redirect(url_for(".receipt", receipt_id=receipt.id))
    return render_template("acquisitions/receipt_form.html", form={"received_on": date.today().isoformat()},
                           sources=forms.SOURCE_CHOICES)


@bp.route("/receipts")
@role_required(ROLE)
def receipts():
    session = get_session()
    year = _year()
    lines = reports.part1(session, year)
    return render_template("acquisitions/receipts.html", lines=lines, year=year)


@bp.route("/receipts/<int:receipt_id>")
@role_required(ROLE)
def receipt(receipt_id: int):
    session = get_session()
    rec = services.get_receipt(session, receipt_id)
    query = request.args.get("q", "")
    found = services.find_records(session, query) if query else []
    titles = dict(session.execute(select(Record.id, Record.title).where(
        Record.id.in_({c.record_id for c in rec.copies} | {e.record_id for e in rec.eresources}))).all())
    guided_url = None
    if "cataloguing.guided_form" in current_app.view_functions and current_user.has_role("cataloguer"):
        guided_url = url_for("cataloguing.guided_form")
    return render_template("acquisitions/receipt.html", receipt=rec, query=query, found=found, titles=titles,
                           layouts=forms.LAYOUT_CHOICES, guided_url=guided_url)


def _copy_args(f) -> dict:
    return {"count": forms.whole_number(f.get("count"), _("Number of copies"), default=1, minimum=1),
            "price": f.get("price", ""), "currency": f.get("currency", "UAH"), "location": f.get("location", ""),
            "call_number": f.get("call_number", ""), "barcodes": forms.lines_of(f.get("barcodes", ""))}


@bp.post("/receipts/<int:receipt_id>/copies")
@role_required(ROLE)
def add_copies(receipt_id: int):
    session = get_session()
    rec = services.get_receipt(session, receipt_id)
    back = url_for(".receipt", receipt_id=rec.id)
    try:
        record_id = forms.whole_number(request.form.get("record_id"), _("Record"), minimum=1)
        args = _copy_args(request.form)
        copies = services.receive_copies(session, current_actor(), rec, record_id, args.pop("count"), **args)
    except CatalogError as exc:
        return _fail(exc, back)
    flash(_("%(count)d copies added: inventory numbers %(first)s–%(last)s", count=len(copies),
            first=copies[0].inventory_number, last=copies[-1].inventory_number), "success")
    return redirect(back)


@bp.post("/receipts/<int:receipt_id>/record")
@role_required(ROLE)
def add_new_record(receipt_id: int):
    """Create a brief record on the spot, then receive its copies."""
    session = get_session()
    rec = services.get_receipt(session, receipt_id)
    back = url_for(".receipt", receipt_id=rec.id)
    f = request.form
    try:
        args = _copy_args(f)
        record = services.create_minimal_record(
            session, current_actor(), f.get("format", "unimarc"), title=f.get("title", ""), author=f.get("author", ""),
            isbn=f.get("isbn", ""), publisher=f.get("publisher", ""), place=f.get("place", ""), year=f.get("year", ""),
            language=f.get("language", "ukr"))
        copies = services.receive_copies(session, current_actor(), rec, record.id, args.pop("count"), **args)
    except CatalogError as exc:
        return _fail(exc, back)
    flash(_("Record %(id)d created; %(count)d copies added", id=record.id, count=len(copies)), "success")
    return redirect(back)


@bp.post("/receipts/<int:receipt_id>/eresources")
@role_required(ROLE)
def add_eresource(receipt_id: int):
    session = get_session()
    rec = services.get_receipt(session, receipt_id)
    back = url_for(".receipt", receipt_id=rec.id)
    f = request.form
    try:
        record_id = forms.whole_number(f.get("record_id"), _("Record"), minimum=1)
        services.receive_eresource(session, current_actor(), rec, record_id, url=f.get("url", ""),
                                   licence=f.get("licence", ""), access_notes=f.get("access_notes", ""),
                                   price=f.get("price", ""), currency=f.get("currency", "UAH"))
    except CatalogError as exc:
        return _fail(exc, back)
    flash(_("E-resource registered"), "success")
    return redirect(back)


# --- copies ------------------------------------------------------------------------------------

@bp.route("/copies/<int:copy_id>")
@role_required(ROLE)
def copy_page(copy_id: int):
    session = get_session()
    copy = services.get_copy(session, copy_id)
    record = session.get(Record, copy.record_id)
    acts = {a.id: a for a in session.scalars(select(WithdrawalAct).where(
        WithdrawalAct.id.in_({h.act_id for h in copy.history if h.act_id})))}
    manual = [(k, v) for k, v in forms.STATUS_CHOICES if k in forms.MANUAL_STATUSES]
    return render_template("acquisitions/copy.html", copy=copy, record=record, acts=acts, manual=manual)


@bp.post("/copies/<int:copy_id>/status")
@role_required(ROLE)
def copy_status(copy_id: int):
    session = get_session()
    copy = services.get_copy(session, copy_id)
    try:
        services.change_status(session, current_actor(), copy, request.form.get("status", ""), request.form.get("reason", ""))
    except CatalogError as exc:
        return _fail(exc, url_for(".copy_page", copy_id=copy_id))
    flash(_("Status changed"), "success")
    return redirect(url_for(".copy_page", copy_id=copy_id))


@bp.post("/copies/<int:copy_id>")
@role_required(ROLE)
def edit_copy(copy_id: int):
    session = get_session()
    copy = services.get_copy(session, copy_id)
    changes = {k: request.form[k] for k in services.EDITABLE_COPY_FIELDS if k in request.form}
    try:
        services.update_copy(session, current_actor(), copy, **changes)
    except CatalogError as exc:
        return _fail(exc, url_for(".copy_page", copy_id=copy_id))
    flash(_("Copy saved"), "success")
    return redirect(url_for(".copy_page", copy_id=copy_id))


# --- withdrawal acts ---------------------------------------------------------------------------

@bp.route("/acts/new", methods=["GET", "POST"])
@role_required(ROLE)
def new_act():
    if request.method == "POST":
        f = request.form
        try:
            act = services.create_act(get_session(), current_actor(), act_date=f.get("act_date"), reason=f.get("reason", ""),
                                      commission_ref=f.get("commission_ref", ""),
                                      commission_members=f.get("commission_members", ""), notes=f.get("notes", ""))
        except CatalogError as exc:
            flash(exc.message, "error")
            return render_template("acquisitions/act_form.html", form=f, reasons=forms.REASON_CHOICES), 422
        flash(_("Act %(number)s opened as a draft", number=act.register_number), "success")
        return redirect(url_for(".act", act_id=act.id))
    return render_template("acquisitions/act_form.html", form={"act_date": date.today().isoformat()},
                           reasons=forms.REASON_CHOICES)


@bp.route("/acts")
@role_required(ROLE)
def acts():
    acts = get_session().scalars(select(WithdrawalAct).order_by(WithdrawalAct.id.desc()).limit(200)).all()
    return render_template("acquisitions/acts.html", acts=acts)


@bp.route("/acts/<int:act_id>")
@role_required(ROLE)
def act(act_id: int):
    session = get_session()
    act = services.get_act(session, act_id)
    header, rows, footer = reports.act_rows(session, act)
    count, total = services.act_totals(session, act)
    copy_ids = dict(session.execute(select(Copy.inventory_number, Copy.id).join(WithdrawalLine, WithdrawalLine.copy_id == Copy.id)
                                    .where(WithdrawalLine.act_id == act.id)).all())
    return render_template("acquisitions/act.html", act=act, header=header, rows=rows, footer=footer, count=count,
                           total=total, copy_ids=copy_ids, needs_evidence=act.reason in services.EVIDENCE_REASONS)


@bp.post("/acts/<int:act_id>/copies")
@role_required(ROLE)
def act_add(act_id: int):
    session = get_session()
    act = services.get_act(session, act_id)
    try:
        added = services.add_to_act(session, current_actor(), act,
                                    services.resolve_copies(session, forms.lines_of(request.form.get("codes", ""))))
    except CatalogError as exc:
        return _fail(exc, url_for(".act", act_id=act_id))
    flash(_("%(count)d copies put on the act", count=added), "success")
    return redirect(url_for(".act", act_id=act_id))


@bp.post("/acts/<int:act_id>/copies/<int:copy_id>/remove")
@role_required(ROLE)
def act_remove(act_id: int, copy_id: int):
    session = get_session()
    try:
        services.remove_from_act(session, current_actor(), services.get_act(session, act_id), services.get_copy(session, copy_id))
    except CatalogError as exc:
        return _fail(exc, url_for(".act", act_id=act_id))
    return redirect(url_for(".act", act_id=act_id))


@bp.post("/acts/<int:act_id>/attachments")
@role_required(ROLE)
def act_attach(act_id: int):
    session = get_session()
    act = services.get_act(session, act_id)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise CatalogError(_("Choose a file to attach"))
        limit = int(current_app.config.get("ACQ_MAX_EVIDENCE_BYTES", services.DEFAULT_MAX_EVIDENCE_BYTES))
        data = upload.stream.read(limit + 1)
        services.attach_evidence(session, current_actor(), act, upload.filename, data, content_type=upload.mimetype or "",
                                 description=request.form.get("description", ""))
    except CatalogError as exc:
        return _fail(exc, url_for(".act", act_id=act_id))
    flash(_("Evidence attached"), "success")
    return redirect(url_for(".act", act_id=act_id))


@bp.route("/acts/<int:act_id>/attachments/<int:attachment_id>")
@role_required(ROLE)
def act_attachment(act_id: int, attachment_id: int):
    attachment = get_session().get(ActAttachment, attachment_id)
    if attachment is None or attachment.act_id != act_id:
        raise NotFound(f"Act {act_id} has no attachment {attachment_id}")
    return send_file(services.attachment_path(attachment), mimetype=attachment.content_type,
                     download_name=attachment.filename, as_attachment=True)


@bp.post("/acts/<int:act_id>/confirm")
@role_required(ROLE)
def act_confirm(act_id: int):
    session = get_session()
    try:
        act = services.confirm_act(session, current_actor(), services.get_act(session, act_id))
    except CatalogError as exc:
        return _fail(exc, url_for(".act", act_id=act_id))
    flash(_("Act %(number)s confirmed", number=act.register_number), "success")
    return redirect(url_for(".act", act_id=act_id))


@bp.route("/acts/<int:act_id>.pdf")
@role_required(ROLE)
def act_pdf(act_id: int):
    session = get_session()
    act = services.get_act(session, act_id)
    data = pdf.act_pdf(session, act, current_app.config["LIBRARY_NAME"], current_app.config.get("LIBRARY_EDRPOU", ""))
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="act-{act.number}-{act.year}.pdf"'})


@bp.route("/acts/<int:act_id>.csv")
@role_required(ROLE)
def act_csv(act_id: int):
    session = get_session()
    act = services.get_act(session, act_id)
    return Response(reports.to_csv(*reports.act_rows(session, act)), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="act-{act.number}-{act.year}.csv"'})


# --- registers ---------------------------------------------------------------------------------

@bp.route("/registers")
@role_required(ROLE)
def registers():
    return render_template("acquisitions/registers.html", year=date.today().year)


@bp.route("/registers/ksu/<int:part>")
@role_required(ROLE)
def ksu(part: int):
    session = get_session()
    try:
        year = _year()
    except CatalogError as exc:
        return _fail(exc, url_for(".registers"))
    name = current_app.config["LIBRARY_NAME"]
    if part == 1:
        header, rows, footer = reports.part1_rows(reports.part1(session, year))
        title, make = _("Summary register, part I: receipts, %(year)d", year=year), lambda: pdf.part1_pdf(session, year, name)
    elif part == 2:
        header, rows, footer = reports.part2_rows(reports.part2(session, year))
        _h, occ_rows, _f = reports.part2_rows(reports.part2(session, year, occupied=True))
        rows = rows + ([[_("Not written off: in occupied territory"), *[""] * 9], *occ_rows] if occ_rows else [])
        title, make = _("Summary register, part II: withdrawals, %(year)d", year=year), lambda: pdf.part2_pdf(session, year, name)
    elif part == 3:
        report = reports.part3(session, year)
        header, rows, footer = reports.part3_rows(report)
        title, make = _("Summary register, part III: movement totals, %(year)d", year=year), lambda: pdf.part3_pdf(session, year, name)
    else:
        raise NotFound(f"The summary register has parts 1, 2 and 3, not {part}")
    return _output(f"ksu-{part}-{year}", title, header, rows, footer, make, {"year": year, "part": part})


@bp.route("/registers/inventory")
@role_required(ROLE)
def inventory():
    session = get_session()
    if "first" not in request.args:
        return render_template("acquisitions/registers.html", year=date.today().year)
    try:
        first = forms.whole_number(request.args.get("first"), _("From number"), minimum=0)
        last = forms.whole_number(request.args.get("last"), _("To number"), default=first, minimum=0)
        prefix = request.args.get("prefix", "")
        header, rows, footer = reports.inventory_rows(reports.inventory_register(session, first, last, prefix))
    except CatalogError as exc:
        return _fail(exc, url_for(".registers"))
    title = _("Inventory register, numbers %(first)s–%(last)s", first=f"{prefix}{first}", last=f"{prefix}{last}")
    return _output(f"inventory-{prefix}{first}-{last}", title, header, rows, footer,
                   lambda: pdf.inventory_pdf(session, first, last, prefix, current_app.config["LIBRARY_NAME"]),
                   {"first": first, "last": last, "prefix": prefix})


# --- labels ------------------------------------------------------------------------------------

@bp.route("/labels")
@role_required(ROLE)
def print_labels():
    """Barcode or spine labels for a receipt (?receipt=) or chosen copies (?codes= inventory numbers/barcodes)."""
    session = get_session()
    kind = request.args.get("kind", "barcode")
    layout = request.args.get("layout", labels.DEFAULT_LAYOUT)
    if layout not in labels.LAYOUTS or kind not in ("barcode", "spine"):
        raise CatalogError(f"Unknown label kind '{kind}' or layout '{layout}'")
    try:
        start = forms.whole_number(request.args.get("start"), _("First free label"), default=1, minimum=1) - 1
        if request.args.get("receipt"):
            rec = services.get_receipt(session, forms.whole_number(request.args.get("receipt"), _("Receipt"), minimum=1))
            copies = list(rec.copies)
        elif request.args.get("codes"):
            copies = services.resolve_copies(session, forms.lines_of(request.args.get("codes", "")))
        else:
            return render_template("acquisitions/labels.html", layouts=forms.LAYOUT_CHOICES)
    except CatalogError as exc:
        return _fail(exc, url_for(".index"))
    if kind == "barcode":
        data = labels.barcode_labels_pdf(copies, layout, library_name=current_app.config.get("LIBRARY_SHORT_NAME", "ЛОУНБ"),
                                         start_position=start)
    else:
        data = labels.spine_labels_pdf(copies, layout, start_position=start)
    return Response(data, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{kind}-labels.pdf"'})


