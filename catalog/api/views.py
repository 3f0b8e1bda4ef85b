"""REST API v1 for records: list, read (MARC-in-JSON or MARCXML), create, update, delete."""

from flask import Blueprint, g, jsonify, request, url_for
from sqlalchemy import func, select

from catalog.api.openapi import add_paths, document, error_responses
from catalog.auth import token_required
from catalog.db import get_session
from catalog.errors import CatalogError
from catalog.models import RECORD_STATUSES, Record
from catalog.records.services import delete_record, load_record, save_record
from marc.io import read_records, record_to_marcxml

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.csrf_exempt = True  # bearer tokens, no cookies: CSRF does not apply

MARCXML_TYPES = ("application/marcxml+xml", "application/xml", "text/xml")
READ_ROLES = ("cataloguer", "acquisitions", "inventory", "reader-services")


def page_args() -> tuple[int, int]:
    from flask import current_app

    try:
        page = max(1, int(request.args.get("page", 1)))
        per_page = int(request.args.get("per_page", current_app.config["API_PAGE_SIZE"]))
    except ValueError as exc:
        raise CatalogError("page and per_page must be whole numbers") from exc
    return page, max(1, min(per_page, current_app.config["API_MAX_PAGE_SIZE"]))


def record_meta(record: Record) -> dict:
    return {
        "id": record.id,
        "format": record.format,
        "kind": record.kind,
        "status": record.status,
        "version": record.version,
        "title": record.title,
        "author": record.author,
        "isbn": record.isbn,
        "year": record.year,
        "udc": record.udc,
        "host_id": record.host_id,
        "updated_at": record.updated_at.isoformat(timespec="seconds"),
        "updated_by": record.updated_by,
        "url": url_for("api.get_record", record_id=record.id),
    }


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())


@bp.get("/records")
@token_required(*READ_ROLES)
def list_records():
    session = get_session()
    page, per_page = page_args()
    query = select(Record)
    for column in ("status", "format", "kind"):
        value = request.args.get(column)
        if value:
            query = query.where(getattr(Record, column) == value)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(Record.id).offset((page - 1) * per_page).limit(per_page)).all()
    body = {"items": [record_meta(r) for r in rows], "page": page, "per_page": per_page, "total": total}
    if page * per_page < total:
        body["next"] = url_for("api.list_records", page=page + 1, per_page=per_page, **{
            k: v for k, v in request.args.items() if k in ("status", "format", "kind")})
    return jsonify(body)


def record_response(record: Record, status: int = 200):
    headers = {"ETag": f'"{record.version}"', "X-Record-Version": str(record.version),
               "X-Record-Status": record.status, "X-Record-Format": record.format}
    if request.accept_mimetypes.best_match(["application/json", *MARCXML_TYPES]) in MARCXML_TYPES:
        from catalog.records.services import marc_of

        xml = '<?xml version="1.0" encoding="UTF-8"?>\n' + record_to_marcxml(marc_of(record))
        return xml, status, {**headers, "Content-Type": "application/marcxml+xml; charset=utf-8"}
    return record.marc, status, {**headers, "Content-Type": "application/json; charset=utf-8"}


@bp.get("/records/<int:record_id>")
@token_required(*READ_ROLES)
def get_record(record_id: int):
    return record_response(load_record(get_session(), record_id))


def marc_from_body():
    """The one record in the request body (MARC-in-JSON, or MARCXML by Content-Type)."""
    data = request.get_data()
    if not data:
        raise CatalogError("The request body is empty: send one record as MARC-in-JSON or MARCXML")
    serialization = "marcxml" if request.mimetype in MARCXML_TYPES else "json"
    items = list(read_records(data, serialization=serialization, fmt=request.args.get("format", "auto")))
    if len(items) != 1:
        raise CatalogError(f"The body must hold exactly one record, it holds {len(items)}")
    item = items[0]
    if item.record is None:
        raise CatalogError(f"The record could not be read: {item.error}")
    return item


def expected_version() -> int | None:
    raw = request.headers.get("If-Match", "").strip('"') or request.args.get("version")
    if raw in (None, ""):
        return None
    if not raw.isdigit():
        raise CatalogError(f"The version '{raw}' must be a whole number (If-Match: \"3\" or ?version=3)")
    return int(raw)


def status_arg(default: str) -> str:
    status = request.args.get("status", default)
    if status not in RECORD_STATUSES:
        raise CatalogError(f"Unknown status '{status}': choose one of {', '.join(RECORD_STATUSES)}")
    return status


@bp.post("/records")
@token_required("cataloguer")
def create_record():
    from flask import current_app

    item = marc_from_body()
    record = save_record(get_session(), g.actor, item.record, fmt=item.format, kind=request.args.get("kind", "bibliographic"),
                         status=status_arg("draft"), library_code=current_app.config["LIBRARY_CODE"],
                         comment=request.args.get("comment", ""))
    response = jsonify(record_meta(record))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_record", record_id=record.id)
    response.headers["ETag"] = f'"{record.version}"'
    return response


@bp.put("/records/<int:record_id>")
@token_required("cataloguer")
def update_record(record_id: int):
    session = get_session()
    existing = load_record(session, record_id)
    version = expected_version()
    if version is None:
        raise CatalogError(f"Record {record_id}: say which version you edited (If-Match: \"{existing.version}\" or ?version=)")
    item = marc_from_body()
    record = save_record(session, g.actor, item.record, fmt=item.format, kind=existing.kind,
                         status=status_arg(existing.status), record_id=record_id, expected_version=version,
                         comment=request.args.get("comment", ""))
    response = jsonify(record_meta(record))
    response.headers["ETag"] = f'"{record.version}"'
    return response


@bp.delete("/records/<int:record_id>")
@token_required("cataloguer")
def remove_record(record_id: int):
    record = delete_record(get_session(), g.actor, record_id, expected_version=expected_version())
    return jsonify(record_meta(record))


_ID = [{"name": "record_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
_MARC_BODY = {"required": True, "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/MarcInJson"}},
    "application/marcxml+xml": {"schema": {"type": "string"}}}}
add_paths(
    {
        "/records": {
            "get": {"summary": "List records (paged)", "tags": ["records"], "parameters": [
                {"name": n, "in": "query", "schema": {"type": t}} for n, t in
                [("page", "integer"), ("per_page", "integer"), ("status", "string"), ("format", "string"), ("kind", "string")]],
                "responses": {"200": {"description": "A page of records", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/RecordPage"}}}}, **error_responses(400, 401, 403)}},
            "post": {"summary": "Create a record", "tags": ["records"], "requestBody": _MARC_BODY, "parameters": [
                {"name": n, "in": "query", "schema": {"type": "string"}} for n in ("format", "kind", "status", "comment")],
                "responses": {"201": {"description": "Created", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/RecordMeta"}}}}, **error_responses(400, 401, 403, 422)}},
        },
        "/records/{record_id}": {
            "get": {"summary": "One record as MARC-in-JSON, or MARCXML with Accept: application/marcxml+xml",
                    "tags": ["records"], "parameters": _ID,
                    "responses": {"200": {"description": "The record; ETag and X-Record-Version carry its version",
                                          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MarcInJson"}},
                                                      "application/marcxml+xml": {"schema": {"type": "string"}}}},
                                  **error_responses(401, 403, 404)}},
            "put": {"summary": "Replace a record; If-Match (or ?version=) names the version edited",
                    "tags": ["records"], "requestBody": _MARC_BODY,
                    "parameters": _ID + [{"name": "If-Match", "in": "header", "schema": {"type": "string"}},
                                         {"name": "version", "in": "query", "schema": {"type": "integer"}},
                                         {"name": "status", "in": "query", "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "Saved as a new version", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/RecordMeta"}}}}, **error_responses(400, 401, 403, 404, 409, 422)}},
            "delete": {"summary": "Mark a record deleted (history kept)", "tags": ["records"], "parameters": _ID,
                       "responses": {"200": {"description": "Marked deleted", "content": {"application/json": {
                           "schema": {"$ref": "#/components/schemas/RecordMeta"}}}}, **error_responses(401, 403, 404, 409)}},
        },
    },
    {
        "MarcInJson": {"type": "object", "description": "MARC-in-JSON (leader, fields)",
                       "properties": {"leader": {"type": "string"}, "fields": {"type": "array", "items": {"type": "object"}}}},
        "RecordMeta": {"type": "object", "properties": {
            "id": {"type": "integer"}, "format": {"type": "string", "enum": ["marc21", "unimarc"]},
            "kind": {"type": "string"}, "status": {"type": "string"}, "version": {"type": "integer"},
            "title": {"type": "string"}, "author": {"type": "string"}, "isbn": {"type": "string"},
            "year": {"type": "integer", "nullable": True}, "udc": {"type": "string"},
            "host_id": {"type": "integer", "nullable": True}, "updated_at": {"type": "string"},
            "updated_by": {"type": "string"}, "url": {"type": "string"}}},
        "RecordPage": {"type": "object", "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/RecordMeta"}},
            "page": {"type": "integer"}, "per_page": {"type": "integer"}, "total": {"type": "integer"},
            "next": {"type": "string"}}},
    },
)
