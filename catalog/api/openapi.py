"""The OpenAPI 3 document of /api/v1. Each area adds its paths and schemas with ``add_paths``."""

PATHS: dict[str, dict] = {}
SCHEMAS: dict[str, dict] = {
    "Error": {
        "type": "object",
        "required": ["error", "status"],
        "properties": {
            "error": {"type": "string", "description": "What went wrong, naming the record and field"},
            "status": {"type": "integer"},
            "details": {"description": "Field-level problems or the current state on a conflict"},
        },
    },
}


def add_paths(paths: dict, schemas: dict | None = None) -> None:
    PATHS.update(paths)
    SCHEMAS.update(schemas or {})


def error_responses(*codes: int) -> dict:
    texts = {400: "Bad request", 401: "No or unknown token", 403: "Role not allowed", 404: "Not found",
             409: "Stale version", 422: "Validation failed", 429: "Too many requests"}
    return {str(c): {"description": texts[c], "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            for c in codes}


def document(server_url: str = "/api/v1") -> dict:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Kataloh REST API",
            "version": "1",
            "description": "Records, copies, receipts, registers and backups of a Kataloh catalogue. "
            "Authenticate with 'Authorization: Bearer <token>' (create one with `kataloh token create NAME`).",
        },
        "servers": [{"url": server_url}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
        "security": [{"bearer": []}],
        "paths": dict(sorted(PATHS.items())),
    }
