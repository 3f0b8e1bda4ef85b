"""GET /api/v1/backups/status (admin token): backup status for monitoring."""

from flask import Blueprint, current_app, jsonify

from catalog.api.openapi import add_paths, error_responses
from catalog.auth import token_required

bp = Blueprint("backup_api", __name__, url_prefix="/api/v1/backups")
bp.csrf_exempt = True  # bearer tokens, no cookies


@bp.get("/status")
@token_required("admin")
def status():
    """The same status as ``kataloh backup status --json``; ``stale`` is true when the last
    good backup is older than BACKUP_WARN_HOURS."""
    from catalog.backup.services import backup_status

    return jsonify(backup_status(current_app._get_current_object()))


_BACKUP = {"type": "object", "nullable": True, "description": "One backup archive", "properties": {
    "file": {"type": "string"}, "path": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"},
    "size": {"type": "integer"}, "sha256": {"type": "string"}, "encrypted": {"type": "boolean"},
    "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
    "verification": {"type": "object", "nullable": True, "properties": {
        "ok": {"type": "boolean"}, "message": {"type": "string"}, "checked_at": {"type": "string"}}},
    "offsite": {"type": "array", "items": {"type": "object", "properties": {
        "target": {"type": "string"}, "ok": {"type": "boolean"}, "error": {"type": "string"},
        "attempts": {"type": "integer"}, "at": {"type": "string"}}}}}}

add_paths(
    {"/backups/status": {"get": {
        "summary": "Backup status for monitoring (admin)", "tags": ["backups"],
        "responses": {"200": {"description": "Last backup, last good backup and its age, schedule, off-site targets",
                              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BackupStatus"}}}},
                      **error_responses(401, 403)}}}},
    {"Backup": _BACKUP, "BackupStatus": {"type": "object", "properties": {
        "backup_path": {"type": "string"}, "count": {"type": "integer"}, "total_size": {"type": "integer"},
        "last": {"$ref": "#/components/schemas/Backup"}, "last_good": {"$ref": "#/components/schemas/Backup"},
        "last_good_age_hours": {"type": "number", "nullable": True},
        "stale": {"type": "boolean", "description": "true when backups are expected and the last good one is too old"},
        "expected": {"type": "boolean"}, "warn_hours": {"type": "number"},
        "last_run": {"type": "object", "nullable": True}, "schedule": {"type": "object"},
        "encryption": {"type": "string", "enum": ["none", "age public key", "age passphrase"]},
        "offsite_targets": {"type": "array", "items": {"type": "string"}},
        "backups": {"type": "array", "items": {"$ref": "#/components/schemas/Backup"}}}}},
)
