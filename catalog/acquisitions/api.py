"""REST API v1 for acquisitions: receipts, copies, withdrawal acts and the registers."""

from datetime import date

from flask import Blueprint, Response, current_app, g, jsonify, request, url_for
from sqlalchemy import func, select

from catalog.acquisitions import pdf, reports, services
from catalog.acquisitions.models import Copy, Receipt, WithdrawalAct
from catalog.api.openapi import add_paths, error_responses
from catalog.auth import token_required
from catalog.db import get_session
from catalog.errors import CatalogError

bp = Blueprint("acquisitions_api", __name__, url_prefix="/api/v1")
bp.csrf_exempt = True  # bearer tokens only
ROLE = "acquisitions"
READ_ROLES = ("acquisitions", "cataloguer", "inventory", "reader-services")


def body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise CatalogError("The request body must be a JSON object")
    return data


def whole(value, name: str, default: int | None = None) -> int:
    """A whole-number argument, or a 400 naming it."""
    if value in (None, "") and default is not None:
        return default
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise CatalogError(f"{name} must be a whole number, not '{value}'") from exc


def copy_json(copy: Copy) -> dict:
    return {
        "id": copy.id, "record_id": copy.record_id, "receipt_id": copy.receipt_id,
        "inventory_number": copy.inventory_number, "barcode": copy.barcode, "status": copy.status,
        "price": str(copy.price), "currency": copy.currency, "location": copy.location, "call_number": copy.call_number,
        "material_type": copy.material_type, "language": copy.language,
        "accessioned_on": copy.accessioned_on.isoformat(),
        "written_off_on": copy.written_off_on.isoformat() if copy.written_off_on else None,
        "withdrawal_act_id": copy.withdrawal_act_id,
        "last_seen_at": copy.last_seen_at.isoformat(timespec="seconds") if copy.last_seen_at else None,
        "url": url_for("acquisitions_api.get_copy", copy_id=copy.id),
    }


def receipt_json(receipt: Receipt, with_copies: bool = False) -> dict:
    data = {
        "id": receipt.id, "number": receipt.number, "year": receipt.year, "register_number": receipt.register_number,
        "received_on": receipt.received_on.isoformat(), "source_type": receipt.source_type,
        "source_name": receipt.source_name, "document_type": receipt.document_type,
        "document_number": receipt.document_number,
        "document_date": receipt.document_date.isoformat() if receipt.document_date else None, "notes": receipt.notes,
        "url": url_for("acquisitions_api.get_receipt", receipt_id=receipt.id),
    }
    if with_copies:
        data["copies"] = [copy_json(c) for c in receipt.copies]
        data["eresources"] = [{"id": e.id, "record_id": e.record_id, "url": e.url, "licence": e.licence,
                               "price": str(e.price), "currency": e.currency} for e in receipt.eresources]
    return data


def act_json(session, act: WithdrawalAct) -> dict:
    count, total = services.act_totals(session, act)
    return {
        "id": act.id, "number": act.number, "year": act.year, "register_number": act.register_number,
        "act_date": act.act_date.isoformat(), "reason": act.reason, "commission_ref": act.commission_ref,
        "commission_members": act.commission_members, "notes": act.notes, "status": act.status,
        "copies": [line.copy.inventory_number for line in act.lines], "count": count, "total": str(total),
        "attachments": [{"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size,
                         "sha256": a.sha256} for a in act.attachments],
        "url": url_for("acquisitions_api.get_act", act_id=act.id),
    }


def created(data: dict):
    response = jsonify(data)
    response.status_code = 201
    response.headers["Location"] = data["url"]
    return response


# --- receipts ----------------------------------------------------------------------------------

@bp.get("/receipts")
@token_required(*READ_ROLES)
def list_receipts():
    session = get_session()
    query = select(Receipt).order_by(Receipt.year.desc(), Receipt.number.desc())
    if request.args.get("year"):
        query = query.where(Receipt.year == whole(request.args["year"], "year"))
    return jsonify({"items": [receipt_json(r) for r in session.scalars(query.limit(500))]})


@bp.post("/receipts")
@token_required(ROLE)
def create_receipt():
    data = body()
    fields = {k: data[k] for k in ("received_on", "source_type", "source_name", "document_type", "document_number",
                                   "document_date", "notes") if k in data}
    receipt = services.create_receipt(get_session(), g.actor, **fields)
    return created(receipt_json(receipt, with_copies=True))


@bp.get("/receipts/<int:receipt_id>")
@token_required(*READ_ROLES)
def get_receipt(receipt_id: int):
    return jsonify(receipt_json(services.get_receipt(get_session(), receipt_id), with_copies=True))


@bp.post("/receipts/<int:receipt_id>/copies")
@token_required(ROLE)
def receive_copies(receipt_id: int):
    session = get_session()
    receipt = services.get_receipt(session, receipt_id)
    data = body()
    if "record_id" not in data:
        raise CatalogError("record_id is required")
    copies = services.receive_copies(
        session, g.actor, receipt, whole(data["record_id"], "record_id"), whole(data.get("count"), "count", 1),
        price=data.get("price", 0),
        currency=data.get("currency", "UAH"), location=data.get("location", ""), call_number=data.get("call_number", ""),
        barcodes=data.get("barcodes") or None)
    response = jsonify({"items": [copy_json(c) for c in copies]})
    response.status_code = 201
    return response


@bp.post("/receipts/<int:receipt_id>/eresources")
@token_required(ROLE)
def receive_eresource(receipt_id: int):
    session = get_session()
    receipt = services.get_receipt(session, receipt_id)
    data = body()
    resource = services.receive_eresource(session, g.actor, receipt, whole(data.get("record_id"), "record_id"),
                                          url=data.get("url", ""),
                                          licence=data.get("licence", ""), access_notes=data.get("access_notes", ""),
                                          price=data.get("price", 0), currency=data.get("currency", "UAH"))
    response = jsonify({"id": resource.id, "record_id": resource.record_id, "url": resource.url})
    response.status_code = 201
    return response


# --- copies ------------------------------------------------------------------------------------

@bp.get("/copies")
@token_required(*READ_ROLES)
def list_copies():
    session = get_session()
    query = select(Copy)
    for arg in ("record_id", "receipt_id"):
        if request.args.get(arg):
            query = query.where(getattr(Copy, arg) == whole(request.args[arg], arg))
    for arg in ("status", "location", "inventory_number", "barcode"):
        if request.args.get(arg):
            query = query.where(getattr(Copy, arg) == request.args[arg])
    page = max(1, whole(request.args.get("page"), "page", 1))
    per_page = max(1, min(whole(request.args.get("per_page"), "per_page", 100), 1000))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(Copy.id).offset((page - 1) * per_page).limit(per_page)).all()
    return jsonify({"items": [copy_json(c) for c in rows], "page": page, "per_page": per_page, "total": total})


@bp.get("/copies/<int:copy_id>")
@token_required(*READ_ROLES)
def get_copy(copy_id: int):
    copy = services.get_copy(get_session(), copy_id)
    data = copy_json(copy)
    data["history"] = [{"at": h.at.isoformat(timespec="seconds"), "from": h.old_status, "to": h.new_status,
                        "reason": h.reason, "actor": h.actor, "act_id": h.act_id} for h in copy.history]
    return jsonify(data)


@bp.get("/copies/by-inventory/<path:number>")
@token_required(*READ_ROLES)
def copy_by_inventory(number: str):
    return get_copy(services.copy_by_inventory(get_session(), number).id)


@bp.get("/copies/by-barcode/<path:code>")
@token_required(*READ_ROLES)
def copy_by_barcode(code: str):
    return get_copy(services.copy_by_barcode(get_session(), code).id)


@bp.patch("/copies/<int:copy_id>")
@token_required(ROLE)
def update_copy(copy_id: int):
    session = get_session()
    copy = services.get_copy(session, copy_id)
    data = body()
    if "status" in data:
        services.change_status(session, g.actor, copy, data.pop("status"), data.pop("reason", ""))
    data.pop("reason", None)
    if data:
        services.update_copy(session, g.actor, copy, **data)
    return jsonify(copy_json(copy))


# --- withdrawal acts ---------------------------------------------------------------------------

@bp.get("/acts")
@token_required(*READ_ROLES)
def list_acts():
    session = get_session()
    acts = session.scalars(select(WithdrawalAct).order_by(WithdrawalAct.id.desc()).limit(500)).all()
    return jsonify({"items": [act_json(session, a) for a in acts]})


@bp.post("/acts")
@token_required(ROLE)
def create_act():
    data = body()
    fields = {k: data[k] for k in ("act_date", "reason", "commission_ref", "commission_members", "notes") if k in data}
    if "reason" not in fields:
        raise CatalogError("reason is required")
    session = get_session()
    act = services.create_act(session, g.actor, **fields)
    if data.get("copies"):
        services.add_to_act(session, g.actor, act, services.resolve_copies(session, data["copies"]))
    return created(act_json(session, act))


@bp.get("/acts/<int:act_id>")
@token_required(*READ_ROLES)
def get_act(act_id: int):
    session = get_session()
    act = services.get_act(session, act_id)
    if request.args.get("format") == "pdf" or request.accept_mimetypes.best == "application/pdf":
        return Response(pdf.act_pdf(session, act, current_app.config["LIBRARY_NAME"],
                                    current_app.config.get("LIBRARY_EDRPOU", "")), mimetype="application/pdf")
    return jsonify(act_json(session, act))


@bp.post("/acts/<int:act_id>/copies")
@token_required(ROLE)
def add_act_copies(act_id: int):
    session = get_session()
    act = services.get_act(session, act_id)
    codes = body().get("copies") or []
    if not isinstance(codes, list):
        raise CatalogError("copies must be a list of inventory numbers or barcodes")
    services.add_to_act(session, g.actor, act, services.resolve_copies(session, [str(c) for c in codes]))
    return jsonify(act_json(session, act))


@bp.post("/acts/<int:act_id>/attachments")
@token_required(ROLE)
def attach(act_id: int):
    session = get_session()
    act = services.get_act(session, act_id)
    upload = request.files.get("file")
    if upload is None:
        raise CatalogError("Send the evidence as multipart/form-data with a 'file' part")
    limit = int(current_app.config.get("ACQ_MAX_EVIDENCE_BYTES", services.DEFAULT_MAX_EVIDENCE_BYTES))
    attachment = services.attach_evidence(session, g.actor, act, upload.filename or "file", upload.stream.read(limit + 1),
                                          content_type=upload.mimetype or "", description=request.form.get("description", ""))
    response = jsonify({"id": attachment.id, "filename": attachment.filename, "sha256": attachment.sha256})
    response.status_code = 201
    return response


@bp.post("/acts/<int:act_id>/confirm")
@token_required(ROLE)
def confirm(act_id: int):
    session = get_session()
    act = services.confirm_act(session, g.actor, services.get_act(session, act_id))
    return jsonify(act_json(session, act))


# --- registers ---------------------------------------------------------------------------------

def _table(header, rows, footer) -> dict:
    return {"header": header, "rows": rows, "totals": footer}


@bp.get("/registers/ksu/<int:part>")
@token_required(*READ_ROLES)
def register_ksu(part: int):
    """The summary register's part 1, 2 or 3 for ?year= as JSON (or ?format=csv)."""
    session = get_session()
    try:
        year = int(request.args.get("year") or date.today().year)
    except ValueError as exc:
        raise CatalogError("year must be a whole number") from exc
    if part == 1:
        table = reports.part1_rows(reports.part1(session, year))
    elif part == 2:
        table = reports.part2_rows(reports.part2(session, year))
    elif part == 3:
        report = reports.part3(session, year)
        table = reports.part3_rows(report)
        if request.args.get("format") != "csv":
            def m(x):
                return {"start_count": x.start_count, "start_value": str(x.start_value), "in_count": x.in_count,
                        "in_value": str(x.in_value), "out_count": x.out_count, "out_value": str(x.out_value),
                        "end_count": x.end_count, "end_value": str(x.end_value)}
            return jsonify({"year": year, "total": m(report.total),
                            "by_type": {k: m(v) for k, v in report.by_type.items()},
                            "by_language": {k: m(v) for k, v in report.by_language.items()},
                            "occupied_now": report.occupied_now, **_table(*table)})
    else:
        raise CatalogError(f"The summary register has parts 1, 2 and 3, not {part}")
    if request.args.get("format") == "csv":
        return Response(reports.to_csv(*table), mimetype="text/csv; charset=utf-8")
    return jsonify({"year": year, **_table(*table)})


@bp.get("/registers/inventory")
@token_required(*READ_ROLES)
def register_inventory():
    session = get_session()
    try:
        first, last = int(request.args["first"]), int(request.args.get("last", request.args["first"]))
    except (KeyError, ValueError) as exc:
        raise CatalogError("first and last must be whole numbers") from exc
    table = reports.inventory_rows(reports.inventory_register(session, first, last, request.args.get("prefix", "")))
    if request.args.get("format") == "csv":
        return Response(reports.to_csv(*table), mimetype="text/csv; charset=utf-8")
    return jsonify(_table(*table))


def _json(schema: str) -> dict:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _body(schema: str) -> dict:
    return {"required": True, **_json(schema)}


def _id(name: str) -> list:
    return [{"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}]


_T = ["acquisitions"]
add_paths(
    {
        "/receipts": {
            "get": {"summary": "List receipts (newest first)", "tags": _T,
                    "parameters": [{"name": "year", "in": "query", "schema": {"type": "integer"}}],
                    "responses": {"200": {"description": "Receipts"}, **error_responses(401, 403)}},
            "post": {"summary": "Open a receipt (next number of the year's summary register)", "tags": _T,
                     "requestBody": _body("ReceiptIn"),
                     "responses": {"201": {"description": "Created", **_json("Receipt")}, **error_responses(400, 401, 403, 422)}},
        },
        "/receipts/{receipt_id}": {"get": {"summary": "A receipt with its copies and e-resources", "tags": _T,
                                           "parameters": _id("receipt_id"),
                                           "responses": {"200": {"description": "The receipt", **_json("Receipt")},
                                                         **error_responses(401, 403, 404)}}},
        "/receipts/{receipt_id}/copies": {"post": {
            "summary": "Receive copies of a record: inventory numbers and barcodes are assigned", "tags": _T,
            "parameters": _id("receipt_id"), "requestBody": _body("CopiesIn"),
            "responses": {"201": {"description": "The new copies"}, **error_responses(400, 401, 403, 404, 422)}}},
        "/receipts/{receipt_id}/eresources": {"post": {
            "summary": "Register an e-resource (access details, no barcode)", "tags": _T, "parameters": _id("receipt_id"),
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object", "properties": {
                "record_id": {"type": "integer"}, "url": {"type": "string"}, "licence": {"type": "string"},
                "price": {"type": "string"}}}}}},
            "responses": {"201": {"description": "Registered"}, **error_responses(400, 401, 403, 404, 422)}}},
        "/copies": {"get": {"summary": "List copies (filters: record_id, receipt_id, status, location, inventory_number, barcode)",
                            "tags": _T, "parameters": [{"name": n, "in": "query", "schema": {"type": "string"}} for n in
                                                       ("record_id", "receipt_id", "status", "location", "inventory_number",
                                                        "barcode", "page", "per_page")],
                            "responses": {"200": {"description": "A page of copies"}, **error_responses(401, 403)}}},
        "/copies/{copy_id}": {
            "get": {"summary": "A copy with its status history", "tags": _T, "parameters": _id("copy_id"),
                    "responses": {"200": {"description": "The copy", **_json("Copy")}, **error_responses(401, 403, 404)}},
            "patch": {"summary": "Change status (with reason) or correct barcode, price, location, call number", "tags": _T,
                      "parameters": _id("copy_id"), "requestBody": _body("CopyPatch"),
                      "responses": {"200": {"description": "The copy", **_json("Copy")}, **error_responses(400, 401, 403, 404, 422)}},
        },
        "/copies/by-inventory/{number}": {"get": {
            "summary": "A copy by inventory number", "tags": _T,
            "parameters": [{"name": "number", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "The copy", **_json("Copy")}, **error_responses(401, 403, 404)}}},
        "/copies/by-barcode/{code}": {"get": {
            "summary": "A copy by barcode", "tags": _T,
            "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "The copy", **_json("Copy")}, **error_responses(401, 403, 404)}}},
        "/acts": {
            "get": {"summary": "List withdrawal acts", "tags": _T, "responses": {"200": {"description": "Acts"}, **error_responses(401, 403)}},
            "post": {"summary": "Open a draft withdrawal act (optionally with copies)", "tags": _T, "requestBody": _body("ActIn"),
                     "responses": {"201": {"description": "Created", **_json("Act")}, **error_responses(400, 401, 403, 404, 422)}},
        },
        "/acts/{act_id}": {"get": {"summary": "A withdrawal act (JSON, or the form as PDF with ?format=pdf)", "tags": _T,
                                   "parameters": _id("act_id"),
                                   "responses": {"200": {"description": "The act", "content": {
                                       "application/json": {"schema": {"$ref": "#/components/schemas/Act"}},
                                       "application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
                                       **error_responses(401, 403, 404)}}},
        "/acts/{act_id}/copies": {"post": {
            "summary": "Put copies (inventory numbers or barcodes) on a draft act", "tags": _T, "parameters": _id("act_id"),
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object", "properties": {
                "copies": {"type": "array", "items": {"type": "string"}}}}}}},
            "responses": {"200": {"description": "The act", **_json("Act")}, **error_responses(400, 401, 403, 404, 422)}}},
        "/acts/{act_id}/attachments": {"post": {
            "summary": "Attach evidence (photo or document; size and type are checked)", "tags": _T, "parameters": _id("act_id"),
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {"type": "object", "properties": {
                "file": {"type": "string", "format": "binary"}, "description": {"type": "string"}}}}}},
            "responses": {"201": {"description": "Attached"}, **error_responses(400, 401, 403, 404, 422)}}},
        "/acts/{act_id}/confirm": {"post": {
            "summary": "Confirm a draft act: its copies change status; nothing is deleted", "tags": _T,
            "parameters": _id("act_id"),
            "responses": {"200": {"description": "The confirmed act", **_json("Act")}, **error_responses(401, 403, 404, 422)}}},
        "/registers/ksu/{part}": {"get": {
            "summary": "Summary register part 1 (receipts), 2 (withdrawals) or 3 (movement totals) for a year", "tags": _T,
            "parameters": [{"name": "part", "in": "path", "required": True, "schema": {"type": "integer", "enum": [1, 2, 3]}},
                           {"name": "year", "in": "query", "schema": {"type": "integer"}},
                           {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "csv"]}}],
            "responses": {"200": {"description": "header, rows and totals"}, **error_responses(400, 401, 403)}}},
        "/registers/inventory": {"get": {
            "summary": "Inventory register for a range of inventory numbers", "tags": _T,
            "parameters": [{"name": n, "in": "query", "schema": {"type": "string"}} for n in ("first", "last", "prefix", "format")],
            "responses": {"200": {"description": "header, rows and totals"}, **error_responses(400, 401, 403, 422)}}},
    },
    {
        "ReceiptIn": {"type": "object", "required": ["source_type"], "properties": {
            "received_on": {"type": "string", "format": "date"},
            "source_type": {"type": "string", "enum": ["purchase", "donation", "ukrainian_book_institute", "exchange",
                                                       "replacement", "other"]},
            "source_name": {"type": "string"}, "document_type": {"type": "string"}, "document_number": {"type": "string"},
            "document_date": {"type": "string", "format": "date"}, "notes": {"type": "string"}}},
        "Receipt": {"type": "object", "properties": {
            "id": {"type": "integer"}, "number": {"type": "integer"}, "year": {"type": "integer"},
            "register_number": {"type": "string"}, "received_on": {"type": "string"}, "source_type": {"type": "string"},
            "source_name": {"type": "string"}, "copies": {"type": "array", "items": {"$ref": "#/components/schemas/Copy"}}}},
        "CopiesIn": {"type": "object", "required": ["record_id"], "properties": {
            "record_id": {"type": "integer"}, "count": {"type": "integer", "minimum": 1}, "price": {"type": "string"},
            "currency": {"type": "string"}, "location": {"type": "string"}, "call_number": {"type": "string"},
            "barcodes": {"type": "array", "items": {"type": "string"}, "description": "scanned barcodes; the rest are generated"}}},
        "Copy": {"type": "object", "properties": {
            "id": {"type": "integer"}, "record_id": {"type": "integer"}, "receipt_id": {"type": "integer", "nullable": True},
            "inventory_number": {"type": "string"}, "barcode": {"type": "string", "nullable": True},
            "status": {"type": "string", "enum": ["in_processing", "available", "on_loan", "missing", "withdrawn",
                                                  "occupied_territory", "destroyed"]},
            "price": {"type": "string"}, "currency": {"type": "string"}, "location": {"type": "string"},
            "call_number": {"type": "string"}, "accessioned_on": {"type": "string"},
            "last_seen_at": {"type": "string", "nullable": True}}},
        "CopyPatch": {"type": "object", "properties": {
            "status": {"type": "string"}, "reason": {"type": "string"}, "barcode": {"type": "string"},
            "price": {"type": "string"}, "location": {"type": "string"}, "call_number": {"type": "string"}}},
        "ActIn": {"type": "object", "required": ["reason"], "properties": {
            "act_date": {"type": "string", "format": "date"},
            "reason": {"type": "string", "enum": ["worn", "obsolete", "non_core", "duplicate", "lost_by_readers",
                                                  "missing_after_check", "destroyed_hostilities", "occupied_territory"]},
            "commission_ref": {"type": "string"}, "commission_members": {"type": "string"}, "notes": {"type": "string"},
            "copies": {"type": "array", "items": {"type": "string"}}}},
        "Act": {"type": "object", "properties": {
            "id": {"type": "integer"}, "register_number": {"type": "string"}, "act_date": {"type": "string"},
            "reason": {"type": "string"}, "status": {"type": "string", "enum": ["draft", "confirmed"]},
            "copies": {"type": "array", "items": {"type": "string"}}, "count": {"type": "integer"},
            "total": {"type": "string"}}},
    },
)
