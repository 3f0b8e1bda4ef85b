"""One error hierarchy for domain rules, rendered once: HTML for pages, JSON for the API."""

from flask import jsonify, render_template, request


class CatalogError(Exception):
    """A domain error with a message that names the record, field and rule."""

    status = 400

    def __init__(self, message: str, *, details: list | dict | None = None):
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(CatalogError):
    status = 404


class Forbidden(CatalogError):
    status = 403


class ValidationFailed(CatalogError):
    status = 422


class VersionConflict(CatalogError):
    """A save based on a stale version: the caller gets the current version to compare."""

    status = 409

    def __init__(self, message: str, *, current_version: int, current: dict | None = None):
        super().__init__(message, details={"current_version": current_version, "current": current})
        self.current_version = current_version


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(status: int, message: str, details=None):
    if wants_json():
        body = {"error": message, "status": status}
        if details is not None:
            body["details"] = details
        return jsonify(body), status
    return render_template("errors/error.html", status=status, message=message), status


def register_error_handlers(app) -> None:
    @app.errorhandler(CatalogError)
    def _catalog_error(exc: CatalogError):
        return error_response(exc.status, exc.message, exc.details)

    for code, text in {
        400: "Bad request",
        403: "Forbidden",
        404: "Not found",
        405: "Method not allowed",
        413: "Request too large",
        429: "Too many requests",
    }.items():
        app.register_error_handler(code, _http_handler(code, text))

    @app.errorhandler(500)
    def _server_error(_exc):
        return error_response(500, "Internal server error")


def _http_handler(code: int, text: str):
    def handler(exc):
        description = getattr(exc, "description", None) or text
        return error_response(code, description)

    return handler
