"""The cataloguing workbench pages: list, guided form, MARC editor, record page, history,
authorities, UDC browser, copy cataloguing, duplicates and batch edit. Views are thin:
they parse the form, call a service and render."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from catalog.auth import current_actor, role_required
from catalog.cataloguing import analytics, authorities, duplicates, editor, guided, history, profiles
from catalog.cataloguing.services import check, list_records, save_from_form
from catalog.db import get_session
from catalog.errors import CatalogError
from catalog.records.services import load_record, marc_of, set_status

bp = Blueprint("cataloguing", __name__, url_prefix="/cataloguing")
ROLE = "cataloguer"


def library_format() -> str:
    return current_app.config.get("CATALOGUE_FORMAT", "unimarc")


def lang() -> str:
    return "en" if str(get_locale() or "uk") == "en" else "uk"


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@bp.app_template_global()
def field_label(fmt: str, tag: str) -> str:
    return profiles.label(fmt, tag, lang())


@bp.route("/")
@role_required(ROLE)
def index():
    session = get_session()
    q, status, fmt = request.args.get("q", ""), request.args.get("status", ""), request.args.get("format", "")
    page = max(1, _int(request.args.get("page"), 1))
    rows, total = list_records(session, q=q, status=status, fmt=fmt, page=page,
                               per_page=current_app.config.get("RECORDS_PER_PAGE", 20))
    return render_template("cataloguing/index.html", rows=rows, total=total, q=q, status=status, fmt=fmt, page=page,
                           materials=guided.MATERIALS, default_format=library_format())


# --- guided form ---------------------------------------------------------------------------------


def _guided_page(data, *, fmt, record=None, problems=(), conflict=None, duplicates_found=(), notes=(), status=200,
                 version=None):
    by_field: dict[str, list] = {}
    for p in problems:
        by_field.setdefault(guided.PROBLEM_FIELDS[fmt].get(p.get("tag") or "", "general"), []).append(p)
    return render_template("cataloguing/guided.html", data=data.padded(), fmt=fmt, record=record,
                           problems=list(problems), by_field=by_field, conflict=conflict,
                           duplicates=list(duplicates_found), notes=list(notes),
                           version=version if version is not None else (record.version if record else ""),
                           materials=guided.MATERIALS, roles=list(guided.NAME_ROLES),
                           subject_kinds=guided.SUBJECT_KINDS), status


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/records/<int:record_id>/guided", methods=["GET", "POST"])
@role_required(ROLE)
def guided_form(record_id: int | None = None):
    session = get_session()
    record = load_record(session, record_id) if record_id else None
    if request.method == "GET":
        if record is not None:
            return _guided_page(guided.from_record(marc_of(record), record.format), fmt=record.format, record=record)
        fmt = request.args.get("format") or library_format()
        if fmt not in ("unimarc", "marc21"):
            fmt = library_format()
        host_id = _int(request.args.get("host"))
        data = analytics.analytic_for(session, host_id) if host_id else guided.GuidedData(
            material=request.args.get("material", "book") if request.args.get("material") in guided.MATERIALS else "book")
        return _guided_page(data, fmt=fmt)
    form = request.form
    fmt = record.format if record is not None else form.get("fmt", library_format())
    if fmt not in ("unimarc", "marc21"):
        raise CatalogError(f"Unknown record format '{fmt}'")
    data = guided.GuidedData.from_form(form)
    version = _int(form.get("version"))
    if form.get("op") == "more":
        return _guided_page(data, fmt=fmt, record=record, version=version)
    analytics.fill_host(session, data)
    notes = authorities.link_headings(session, data, fmt)
    base = marc_of(record) if record is not None else None
    marc_record = guided.build(data, fmt, base, library_code=current_app.config.get("LIBRARY_CODE", ""))
    if record is None and not form.get("confirm_duplicate"):
        found = duplicates.find_duplicates(session, marc_record, fmt)
        if found:
            return _guided_page(data, fmt=fmt, duplicates_found=found, notes=notes, status=200)
    status = "published" if "publish" in form else "draft"
    outcome = save_from_form(session, current_actor(), marc_record, fmt=fmt, status=status,
                             record_id=record.id if record else None, expected_version=version if record else None,
                             comment=form.get("comment", ""))
    if outcome.conflict:
        return _conflict_page("guided", outcome, data=data, fmt=fmt, record=record, submitted=marc_record)
    if not outcome.ok:
        return _guided_page(data, fmt=fmt, record=record, problems=outcome.problems, notes=notes, status=422,
                            version=version)
    flash(_("Record %(id)s saved (version %(version)s).", id=outcome.record.id, version=outcome.record.version), "success")
    return redirect(url_for("cataloguing.record", record_id=outcome.record.id))


def _conflict_page(which, outcome, *, fmt, record, submitted, data=None, leader=None, rows=None):
    """A stale save: show what changed in between and keep every typed value in the form.

    The form now carries the current version, so saving again (after reading the diff)
    replaces it with the submitted text on purpose.
    """
    conflict = dict(outcome.conflict)
    if conflict.get("stored") is not None:
        conflict["changes"] = history.diff_records(conflict["stored"], submitted, context=False)
    version = conflict["current_version"]
    if which == "guided":
        page, _status = _guided_page(data, fmt=fmt, record=record, conflict=conflict, version=version)
    else:
        page, _status = _editor_page(leader, rows, fmt=fmt, record=record, conflict=conflict, version=version)
    return page, 409


# --- MARC editor ---------------------------------------------------------------------------------


def _blank_rows(fmt: str) -> tuple[str, list]:
    data = guided.GuidedData(title="")
    record = guided.build(data, fmt)
    rows = editor.rows_of(record)
    rows.append(editor.Row(tag="200" if fmt == "unimarc" else "245", ind1="1", ind2=" " if fmt == "unimarc" else "0",
                           subfields=[["a", ""]]))
    return str(record.leader), editor.sort_rows(rows)


def _editor_page(leader, rows, *, fmt, record=None, problems=(), conflict=None, version=None, status=200):
    kept = editor.kept_rows(rows)
    by_row: dict[int, list] = {}
    general, leader_problems = [], []
    for p in problems:
        index = p.get("field_index")
        if p.get("tag") == "LDR":
            leader_problems.append(p)
        elif index is not None and 0 <= index < len(kept):
            by_row.setdefault(kept[index], []).append(p)
        else:
            rows_with_tag = [n for n, r in enumerate(rows) if r.tag == p.get("tag")]
            if rows_with_tag:
                by_row.setdefault(rows_with_tag[0], []).append(p)
            else:
                general.append(p)
    fixed_tag = profiles.fixed_tag(fmt)
    return render_template("cataloguing/editor.html", leader=leader, rows=rows, fmt=fmt, record=record,
                           problems=list(problems), by_row=by_row, leader_problems=leader_problems, general=general,
                           conflict=conflict,
                           version=version if version is not None else (record.version if record else ""),
                           profiles=profiles, lang=lang(), fixed_tag=fixed_tag,
                           leader_positions=profiles.fixed_positions(fmt, "leader"),
                           fixed_positions=profiles.fixed_positions(fmt, fixed_tag)), status


def _apply_helpers(form, leader: str, rows: list, fmt: str) -> str:
    widths = {p["pos"]: p.get("length", 1) for p in profiles.fixed_positions(fmt, "leader")}
    original, positions = editor.fixed_helpers_from_form(form, "leader")
    if original is not None:
        leader = editor.apply_fixed(leader, original, positions, widths)
    fixed_tag = profiles.fixed_tag(fmt)
    widths = {p["pos"]: p.get("length", 1) for p in profiles.fixed_positions(fmt, fixed_tag)}
    for n, row in enumerate(rows):
        original, positions = editor.fixed_helpers_from_form(form, str(n))
        if original is None or row.tag != fixed_tag:
            continue
        if row.data is not None:
            row.data = editor.apply_fixed(row.data, original, positions, widths)
        else:
            for sub in row.subfields:
                if sub[0] == "a":
                    sub[1] = editor.apply_fixed(sub[1], original, positions, widths)
                    break
    return leader


@bp.route("/new/marc", methods=["GET", "POST"])
@bp.route("/records/<int:record_id>/marc", methods=["GET", "POST"])
@role_required(ROLE)
def marc_editor(record_id: int | None = None):
    session = get_session()
    record = load_record(session, record_id) if record_id else None
    if request.method == "GET":
        if record is not None:
            marc_record = marc_of(record)
            return _editor_page(str(marc_record.leader), editor.rows_of(marc_record), fmt=record.format, record=record,
                                problems=check(marc_record, record.format, record.kind))
        fmt = request.args.get("format") if request.args.get("format") in ("unimarc", "marc21") else library_format()
        leader, rows = _blank_rows(fmt)
        return _editor_page(leader, rows, fmt=fmt)
    form = request.form
    fmt = record.format if record is not None else form.get("fmt", library_format())
    if fmt not in ("unimarc", "marc21"):
        raise CatalogError(f"Unknown record format '{fmt}'")
    leader, rows = editor.rows_from_form(form)
    leader = _apply_helpers(form, leader, rows, fmt)
    version = _int(form.get("version"))
    op = form.get("op", "")
    if op:
        rows = editor.apply_op(rows, op)
        return _editor_page(leader, rows, fmt=fmt, record=record, version=version)
    marc_record = editor.record_of(leader, rows)
    kind = record.kind if record is not None else "bibliographic"
    if "check" in form:
        return _editor_page(leader, rows, fmt=fmt, record=record, problems=check(marc_record, fmt, kind), version=version)
    status = "published" if "publish" in form else "draft"
    outcome = save_from_form(session, current_actor(), marc_record, fmt=fmt, kind=kind, status=status,
                             record_id=record.id if record else None, expected_version=version if record else None,
                             comment=form.get("comment", ""))
    if outcome.conflict:
        return _conflict_page("editor", outcome, fmt=fmt, record=record, submitted=marc_record, leader=leader, rows=rows)
    if not outcome.ok:
        return _editor_page(leader, rows, fmt=fmt, record=record, problems=outcome.problems, version=version, status=422)
    flash(_("Record %(id)s saved (version %(version)s).", id=outcome.record.id, version=outcome.record.version), "success")
    return redirect(url_for("cataloguing.record", record_id=outcome.record.id))


# --- record page, status, history ------------------------------------------------------------------


@bp.route("/records/<int:record_id>")
@role_required(ROLE)
def record(record_id: int):
    session = get_session()
    rec = load_record(session, record_id)
    marc_record = marc_of(rec)
    display = ""
    try:
        from marc.display import isbd

        display = isbd(marc_record, rec.format) if rec.kind == "bibliographic" else ""
    except Exception:  # the display is a convenience; the MARC below is the record
        display = ""
    return render_template("cataloguing/record.html", record=rec, marc=marc_record, display=display,
                           lines=[editor.field_text(f) for f in marc_record.fields],
                           problems=check(marc_record, rec.format, rec.kind),
                           host=analytics.host_of(session, rec), parts=analytics.parts_of(session, rec.id),
                           used_by=authorities.usage(session, rec.id) if rec.kind == "authority" else [],
                           duplicates=duplicates.find_duplicates(session, marc_record, rec.format, exclude_id=rec.id,
                                                                 kind=rec.kind) if rec.status != "deleted" else [])


@bp.post("/records/<int:record_id>/status")
@role_required(ROLE)
def change_status(record_id: int):
    status = request.form.get("status", "")
    outcome_error = None
    try:
        set_status(get_session(), current_actor(), record_id, status, expected_version=_int(request.form.get("version")))
    except CatalogError as exc:
        get_session().rollback()
        outcome_error = exc.message
        if exc.details and isinstance(exc.details, list):
            outcome_error += ": " + "; ".join(f"{p.get('tag')} {p.get('message')}" for p in exc.details[:5])
    if outcome_error:
        flash(outcome_error, "error")
    else:
        flash(_("Status changed to %(status)s.", status=status), "success")
    return redirect(url_for("cataloguing.record", record_id=record_id))


@bp.route("/records/<int:record_id>/history")
@role_required(ROLE)
def record_history(record_id: int):
    session = get_session()
    rec = load_record(session, record_id)
    found = history.versions(session, record_id)
    a, b = _int(request.args.get("a")), _int(request.args.get("b"))
    changes = None
    if a and b:
        changes = history.diff_versions(session, record_id, a, b, context=bool(request.args.get("all")))
    return render_template("cataloguing/history.html", record=rec, versions=found, a=a, b=b, changes=changes)


@bp.post("/records/<int:record_id>/revert")
@role_required(ROLE)
def revert(record_id: int):
    session = get_session()
    target = _int(request.form.get("to"))
    try:
        rec = history.revert(session, current_actor(), record_id, target,
                             expected_version=_int(request.form.get("version")))
    except CatalogError as exc:
        session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("cataloguing.record_history", record_id=record_id))
    flash(_("Version %(old)s restored as version %(new)s.", old=target, new=rec.version), "success")
    return redirect(url_for("cataloguing.record_history", record_id=record_id))


# --- authorities -----------------------------------------------------------------------------------


@bp.route("/authorities", methods=["GET", "POST"])
@role_required(ROLE)
def authority_list():
    session = get_session()
    fmt = request.values.get("format") or library_format()
    errors, values = [], {}
    if request.method == "POST":
        values = {k: request.form.get(k, "").strip() for k in ("kind", "heading", "note")}
        try:
            rec = authorities.save_authority(session, current_actor(), values["kind"], values["heading"], fmt=fmt,
                                             note=values["note"])
        except CatalogError as exc:
            session.rollback()
            errors.append(exc.message)
        else:
            flash(_("Authority record %(id)s saved.", id=rec.id), "success")
            return redirect(url_for("cataloguing.authority", authority_id=rec.id))
    q = request.args.get("q", "")
    rows = authorities.suggest(session, q, fmt=fmt, limit=200) if q else [
        {"id": r.id, "heading": r.title, "kind": r.author} for r in authorities.authorities(session, fmt=fmt)[:200]]
    return render_template("cataloguing/authorities.html", rows=rows, q=q, fmt=fmt, kinds=authorities.AUTH_KINDS,
                           errors=errors, values=values), (422 if errors else 200)


@bp.route("/authorities/<int:authority_id>", methods=["GET", "POST"])
@role_required(ROLE)
def authority(authority_id: int):
    session = get_session()
    rec = authorities.load_authority(session, authority_id)
    errors = []
    if request.method == "POST":
        try:
            authorities.save_authority(session, current_actor(), request.form.get("kind", rec.author),
                                       request.form.get("heading", "").strip(), fmt=rec.format,
                                       note=request.form.get("note", ""), record_id=rec.id,
                                       expected_version=_int(request.form.get("version")))
        except CatalogError as exc:
            session.rollback()
            errors.append(exc.message)
        else:
            flash(_("Authority record %(id)s saved.", id=rec.id), "success")
            return redirect(url_for("cataloguing.authority", authority_id=rec.id))
    return render_template("cataloguing/authority.html", record=rec, used_by=authorities.usage(session, rec.id),
                           kinds=authorities.AUTH_KINDS, errors=errors)


@bp.post("/authorities/<int:authority_id>/update-records")
@role_required(ROLE)
def authority_update_records(authority_id: int):
    changed = authorities.update_usage(get_session(), current_actor(), authority_id)
    flash(_("%(n)s record(s) updated from the authority.", n=len(changed)), "success")
    return redirect(url_for("cataloguing.authority", authority_id=authority_id))


@bp.route("/authorities/suggest")
@role_required(ROLE)
def authority_suggest():
    """Autocomplete while typing: JSON list of {id, heading, kind}."""
    kind = request.args.get("kind") or None
    if kind == "keyword":
        return jsonify([])
    fmt = request.args.get("format") or None
    return jsonify(authorities.suggest(get_session(), request.args.get("q", ""), kind=kind, fmt=fmt,
                                       limit=min(_int(request.args.get("limit"), 10), 50)))


# --- UDC -----------------------------------------------------------------------------------------


@bp.route("/udc")
@role_required(ROLE)
def udc_browser():
    from catalog.cataloguing.udc_tree import browse

    code = request.args.get("code", "")
    q = request.args.get("q", "")
    return render_template("cataloguing/udc.html", **browse(code, q, lang()), code=code, q=q)


# --- copy cataloguing ------------------------------------------------------------------------------


@bp.route("/copy")
@role_required(ROLE)
def copycat():
    from catalog.cataloguing import copycat as service
    from marc.io import record_to_json

    all_targets = service.targets()
    key = request.args.get("target") or next(iter(all_targets))
    search_field = request.args.get("field", "any")
    term = request.args.get("q", "")
    result, error = None, ""
    if term:
        try:
            result = service.search_target(key, search_field, term, maximum=min(_int(request.args.get("max"), 10), 50))
        except CatalogError as exc:
            error = exc.message
    found = []
    for item in (result.records if result else []):
        summary = _summary(item.record, item.format)
        found.append({"position": item.position, "format": item.format, "summary": summary,
                      "json": record_to_json(item.record),
                      "lines": [editor.field_text(f) for f in item.record.fields]})
    return render_template("cataloguing/copycat.html", targets=all_targets, key=key, field=search_field, q=term,
                           result=result, found=found, error=error, local_format=library_format(),
                           fields=("any", "title", "author", "isbn", "subject")), (502 if error and term else 200)


def _summary(marc_record, fmt):
    from marc.extract import extract

    try:
        return extract(marc_record, fmt)
    except Exception:  # a foreign record too broken to summarise is still shown as MARC
        return None


@bp.post("/copy/import")
@role_required(ROLE)
def copycat_import():
    from catalog.cataloguing import copycat as service
    from marc.io import record_from_json, record_to_json

    session = get_session()
    source_fmt = request.form.get("source_format", "marc21")
    try:
        record = record_from_json(request.form.get("record", ""))
    except ValueError as exc:
        raise CatalogError(f"The record to import could not be read: {exc}") from exc
    local_fmt = library_format() if request.form.get("target_format") not in ("unimarc", "marc21") else request.form["target_format"]
    saved, dups, local = service.import_record(session, current_actor(), record, source_fmt=source_fmt,
                                               local_fmt=local_fmt, source=request.form.get("source", ""),
                                               force=bool(request.form.get("confirm_duplicate")))
    if saved is None:
        return render_template("cataloguing/copycat_duplicates.html", duplicates=dups, record_json=record_to_json(record),
                               source_fmt=source_fmt, local_fmt=local_fmt, source=request.form.get("source", ""),
                               lines=[editor.field_text(f) for f in local.fields]), 200
    flash(_("Record imported as draft %(id)s: check it and publish.", id=saved.id), "success")
    return redirect(url_for("cataloguing.marc_editor", record_id=saved.id))


# --- duplicates and merge ----------------------------------------------------------------------------


@bp.route("/merge", methods=["GET", "POST"])
@role_required(ROLE)
def merge():
    session = get_session()
    keep_id, remove_id = _int(request.values.get("keep")), _int(request.values.get("remove"))
    if not keep_id or not remove_id:
        raise CatalogError("Say which record to keep and which to merge into it (keep=, remove=)")
    keep, remove = load_record(session, keep_id), load_record(session, remove_id)
    if request.method == "POST":
        duplicates.merge_records(session, current_actor(), keep_id, remove_id)
        flash(_("Record %(remove)s merged into %(keep)s.", remove=remove_id, keep=keep_id), "success")
        return redirect(url_for("cataloguing.record", record_id=keep_id))
    changes = history.diff_records(marc_of(remove), marc_of(keep), context=False)
    return render_template("cataloguing/merge.html", keep=keep, remove=remove, changes=changes)


# --- batch edit ------------------------------------------------------------------------------------


def _edit_from_form(form):
    from catalog.cataloguing.batch import Edit

    return Edit(op=form.get("op", "replace"), tag=form.get("tag", "").strip(), code=form.get("code", "").strip(),
                value=form.get("value", ""), match=form.get("match", ""), ind1=(form.get("ind1") or " ")[:1],
                ind2=(form.get("ind2") or " ")[:1], to_existing=bool(form.get("to_existing")))


def _ids_from_form(form) -> list[int]:
    ids = [_int(v) for v in form.getlist("ids")]
    ids += [_int(v) for v in form.get("id_list", "").replace(",", " ").split()]
    return sorted({i for i in ids if i})


@bp.route("/batch", methods=["GET", "POST"])
@role_required(ROLE)
def batch():
    from catalog.audit import actor_name
    from catalog.cataloguing import batch as service

    session = get_session()
    ids = _ids_from_form(request.form) if request.method == "POST" else []
    edit = _edit_from_form(request.form) if request.method == "POST" else None
    previews, error, applied = None, "", None
    action = request.form.get("action", "")
    if request.method == "POST" and action in ("preview", "apply"):
        try:
            if not ids:
                raise CatalogError("Select at least one record")
            if action == "preview":
                previews = service.preview(session, ids, edit)
            else:
                applied = service.apply(session, current_actor(), ids, edit)
                flash(_("%(n)s record(s) changed.", n=len(applied["records"])), "success")
                return redirect(url_for("cataloguing.batch"))
        except CatalogError as exc:
            session.rollback()
            error = exc.message
    last = service.last_batch(session, actor_name(current_actor()))
    return render_template("cataloguing/batch.html", ids=ids, edit=edit, previews=previews, error=error, last=last,
                           operations=service.OPERATIONS), (422 if error else 200)


@bp.post("/batch/undo")
@role_required(ROLE)
def batch_undo():
    from catalog.cataloguing import batch as service

    restored = service.undo(get_session(), current_actor(), _int(request.form.get("batch"), 0))
    flash(_("Batch undone: %(n)s record(s) restored.", n=len(restored)), "success")
    return redirect(url_for("cataloguing.batch"))
