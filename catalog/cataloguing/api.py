"""REST API additions for cataloguing under /api/v1: history (list, one version, diff, revert),
validation results, format conversion, authorities and copy-cataloguing search.

Publishing an invalid record through ``/api/v1/records`` is refused by ``save_record`` with
the same field-level problems the forms show (HTTP 422, ``details``).
"""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, g, jsonify, request

from catalog.api.openapi import add_paths, error_responses
from catalog.api.views import READ_ROLES, expected_version, marc_from_body, record_meta
from catalog.auth import token_required
from catalog.cataloguing import authorities, copycat, history
from catalog.cataloguing.services import check
from catalog.db import get_session
from catalog.errors import CatalogError
from catalog.records.services import load_record, marc_of

bp = Blueprint("cataloguing_api", __name__, url_prefix="/api/v1")
bp.csrf_exempt = True  # bearer tokens, no cookies


def _int_arg(name: str) -> int:
    value = request.args.get(name, "")
    if not value.isdigit():
        raise CatalogError(f"'{name}' must be a version number")
    return int(value)


@bp.get("/records/<int:record_id>/versions")
@token_required(*READ_ROLES)
def versions(record_id: int):
    found = history.versions(get_session(), record_id)
    return jsonify({"record_id": record_id, "items": [
        {"version": v.version, "status": v.status, "saved_by": v.saved_by,
         "saved_at": v.saved_at.isoformat(timespec="seconds"), "comment": v.comment} for v in found]})


@bp.get("/records/<int:record_id>/versions/<int:version>")
@token_required(*READ_ROLES)
def version(record_id: int, version: int):
    found = history.get_version(get_session(), record_id, version)
    return found.marc, 200, {"Content-Type": "application/json; charset=utf-8", "X-Record-Version": str(version)}


@bp.get("/records/<int:record_id>/diff")
@token_required(*READ_ROLES)
def diff(record_id: int):
    old, new = _int_arg("from"), _int_arg("to")
    changes = history.diff_versions(get_session(), record_id, old, new, context=bool(request.args.get("all")))
    return jsonify({"record_id": record_id, "from": old, "to": new, "changes": [asdict(c) for c in changes]})


@bp.post("/records/<int:record_id>/revert")
@token_required("cataloguer")
def revert(record_id: int):
    record = history.revert(get_session(), g.actor, record_id, _int_arg("to"), expected_version=expected_version())
    response = jsonify(record_meta(record))
    response.headers["ETag"] = f'"{record.version}"'
    return response


@bp.get("/records/<int:record_id>/validation")
@token_required(*READ_ROLES)
def record_validation(record_id: int):
    record = load_record(get_session(), record_id)
    problems = check(marc_of(record), record.format, record.kind)
    return jsonify({"record_id": record_id, "format": record.format, "valid": not any(p["level"] == "error" for p in problems),
                    "problems": problems})


@bp.post("/validate")
@token_required(*READ_ROLES)
def validate_body():
    item = marc_from_body()
    kind = request.args.get("kind", "bibliographic")
    problems = check(item.record, item.format, kind)
    return jsonify({"format": item.format, "valid": not any(p["level"] == "error" for p in problems), "problems": problems})


@bp.post("/convert")
@token_required(*READ_ROLES)
def convert():
    item = marc_from_body()
    target = request.args.get("to", "")
    if target not in ("marc21", "unimarc"):
        raise CatalogError("Say which format to convert to: ?to=marc21 or ?to=unimarc")
    converted = copycat.to_local(item.record, item.format, target)
    from marc.io import record_to_json

    return record_to_json(converted), 200, {"Content-Type": "application/json; charset=utf-8",
                                            "X-Record-Format": target, "X-Source-Format": item.format}


@bp.get("/authorities")
@token_required(*READ_ROLES)
def authority_search():
    return jsonify({"items": authorities.suggest(get_session(), request.args.get("q", ""),
                                                 kind=request.args.get("kind") or None,
                                                 fmt=request.args.get("format") or None,
                                                 limit=min(int(request.args.get("limit", "20") or 20), 200))})


@bp.post("/authorities")
@token_required("cataloguer")
def authority_create():
    body = request.get_json(silent=True) or {}
    record = authorities.save_authority(get_session(), g.actor, body.get("kind", ""), body.get("heading", ""),
                                        fmt=body.get("format", "unimarc"), note=body.get("note", ""))
    return jsonify({"id": record.id, "heading": record.title, "kind": record.author, "format": record.format}), 201


@bp.get("/authorities/<int:authority_id>/records")
@token_required(*READ_ROLES)
def authority_records(authority_id: int):
    return jsonify({"authority_id": authority_id,
                    "items": [record_meta(r) for r in authorities.usage(get_session(), authority_id)]})


@bp.post("/authorities/<int:authority_id>/update-records")
@token_required("cataloguer")
def authority_update(authority_id: int):
    return jsonify({"authority_id": authority_id, "updated": authorities.update_usage(get_session(), g.actor, authority_id)})


@bp.get("/copycat/targets")
@token_required(*READ_ROLES)
def copycat_targets():
    return jsonify({"items": [{"key": t.key, "name": t.name, "url": t.url, "format": t.format, "version": t.version,
                               "record_schema": t.record_schema, "indexes": t.indexes} for t in copycat.targets().values()]})


@bp.get("/copycat/search")
@token_required(*READ_ROLES)
def copycat_search():
    import json

    from marc.extract import extract
    from marc.io import record_to_json

    result = copycat.search_target(request.args.get("target", ""), request.args.get("field", "any"),
                                   request.args.get("q", ""), maximum=min(int(request.args.get("max", "10") or 10), 50))
    items = []
    for found in result.records:
        summary = extract(found.record, found.format)
        items.append({"position": found.position, "format": found.format, "title": summary.title,
                      "authors": summary.authors, "year": summary.year, "isbn": summary.isbn,
                      "marc": json.loads(record_to_json(found.record))})
    return jsonify({"total": result.total, "diagnostics": result.diagnostics, "items": items})


_ID = [{"name": "record_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
_AUTH_ID = [{"name": "authority_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
_JSON = {"application/json": {"schema": {"type": "object"}}}
_MARC_BODY = {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MarcInJson"}},
                                            "application/marcxml+xml": {"schema": {"type": "string"}}}}


def _ok(text: str, schema: str | None = None) -> dict:
    content = {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}} if schema else _JSON
    return {"200": {"description": text, "content": content}}


add_paths({
    "/records/{record_id}/versions": {"get": {"summary": "Versions of a record, newest first", "tags": ["history"],
                                              "parameters": _ID, "responses": {**_ok("Versions"), **error_responses(401, 403, 404)}}},
    "/records/{record_id}/versions/{version}": {"get": {
        "summary": "One stored version as MARC-in-JSON", "tags": ["history"],
        "parameters": _ID + [{"name": "version", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {**_ok("The record as it was", "MarcInJson"), **error_responses(401, 403, 404)}}},
    "/records/{record_id}/diff": {"get": {
        "summary": "Field-level differences between two versions", "tags": ["history"],
        "parameters": _ID + [{"name": n, "in": "query", "required": True, "schema": {"type": "integer"}} for n in ("from", "to")]
        + [{"name": "all", "in": "query", "schema": {"type": "boolean"}}],
        "responses": {**_ok("Changes (op: added, removed, changed, equal; tag; old; new)", "Diff"),
                      **error_responses(400, 401, 403, 404)}}},
    "/records/{record_id}/revert": {"post": {
        "summary": "Restore a version as a new version", "tags": ["history"],
        "parameters": _ID + [{"name": "to", "in": "query", "required": True, "schema": {"type": "integer"}},
                             {"name": "If-Match", "in": "header", "schema": {"type": "string"}}],
        "responses": {**_ok("The record after the revert", "RecordMeta"), **error_responses(400, 401, 403, 404, 409, 422)}}},
    "/records/{record_id}/validation": {"get": {
        "summary": "Validation problems of a stored record", "tags": ["validation"], "parameters": _ID,
        "responses": {**_ok("Problems", "Validation"), **error_responses(401, 403, 404)}}},
    "/validate": {"post": {
        "summary": "Validate a record without saving it", "tags": ["validation"], "requestBody": _MARC_BODY,
        "parameters": [{"name": n, "in": "query", "schema": {"type": "string"}} for n in ("format", "kind")],
        "responses": {**_ok("Problems", "Validation"), **error_responses(400, 401, 403)}}},
    "/convert": {"post": {
        "summary": "Convert a record between MARC 21 and UNIMARC", "tags": ["conversion"], "requestBody": _MARC_BODY,
        "parameters": [{"name": "to", "in": "query", "required": True, "schema": {"type": "string", "enum": ["marc21", "unimarc"]}},
                       {"name": "format", "in": "query", "schema": {"type": "string"}}],
        "responses": {**_ok("The converted record", "MarcInJson"), **error_responses(400, 401, 403)}}},
    "/authorities": {
        "get": {"summary": "Authority headings starting with (then containing) q", "tags": ["authorities"],
                "parameters": [{"name": n, "in": "query", "schema": {"type": "string"}} for n in ("q", "kind", "format", "limit")],
                "responses": {**_ok("Authorities"), **error_responses(401, 403)}},
        "post": {"summary": "Create an authority record ({kind, heading, format, note})", "tags": ["authorities"],
                 "requestBody": {"required": True, "content": _JSON},
                 "responses": {"201": {"description": "Created", "content": _JSON}, **error_responses(400, 401, 403, 422)}}},
    "/authorities/{authority_id}/records": {"get": {
        "summary": "Bibliographic records linked to an authority", "tags": ["authorities"], "parameters": _AUTH_ID,
        "responses": {**_ok("Records"), **error_responses(401, 403, 404)}}},
    "/authorities/{authority_id}/update-records": {"post": {
        "summary": "Rewrite the linked headings from the authority (a new version each)", "tags": ["authorities"],
        "parameters": _AUTH_ID, "responses": {**_ok("Updated record ids"), **error_responses(401, 403, 404)}}},
    "/copycat/targets": {"get": {"summary": "SRU targets for copy cataloguing", "tags": ["copy cataloguing"],
                                 "responses": {**_ok("Targets"), **error_responses(401, 403)}}},
    "/copycat/search": {"get": {
        "summary": "Search an SRU target", "tags": ["copy cataloguing"],
        "parameters": [{"name": n, "in": "query", "schema": {"type": "string"}} for n in ("target", "field", "q", "max")],
        "responses": {**_ok("Records found (MARC-in-JSON with a summary)"), **error_responses(400, 401, 403)}}},
}, {
    "Diff": {"type": "object", "properties": {"record_id": {"type": "integer"}, "from": {"type": "integer"},
                                               "to": {"type": "integer"}, "changes": {"type": "array", "items": {
                                                   "type": "object", "properties": {"op": {"type": "string"}, "tag": {"type": "string"},
                                                                                    "old": {"type": "string"}, "new": {"type": "string"}}}}}},
    "Validation": {"type": "object", "properties": {"valid": {"type": "boolean"}, "problems": {"type": "array", "items": {
        "type": "object", "properties": {"level": {"type": "string", "enum": ["error", "warning"]}, "tag": {"type": "string"},
                                         "code": {"type": "string"}, "message": {"type": "string"},
                                         "message_en": {"type": "string"}, "field_index": {"type": "integer", "nullable": True}}}}}},
})
