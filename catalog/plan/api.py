"""REST API v1: the plan report of a year as JSON."""

from flask import Blueprint, jsonify, request

from catalog.api.openapi import add_paths, error_responses
from catalog.auth import token_required
from catalog.db import get_session
from catalog.errors import ValidationFailed
from catalog.models import ROLES
from catalog.plan import services

bp = Blueprint("plan_api", __name__, url_prefix="/api/v1")
bp.csrf_exempt = True  # bearer tokens only


@bp.route("/plan/<int:year>")
@token_required(*ROLES)
def plan_year(year: int):
    if not 1900 <= year <= 2200:
        raise ValidationFailed(f"Year {year} is out of range")
    department = (request.args.get("department") or "").strip()[:64]
    return jsonify(services.report_json(services.build_report(get_session(), year, department)))


_COUNTS = {"type": "object", "additionalProperties": {"type": "integer"},
           "description": "Year totals keyed by indicator"}

add_paths(
    {
        "/plan/{year}": {
            "get": {
                "summary": "Plan indicators of a year: targets and actual values by month, quarter, person, department",
                "tags": ["plan"],
                "parameters": [
                    {"name": "year", "in": "path", "required": True, "schema": {"type": "integer"}},
                    {"name": "department", "in": "query", "schema": {"type": "string"},
                     "description": "Count only the work of this department's staff (User.department)"},
                ],
                "responses": {
                    "200": {"description": "The plan report",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PlanReport"}}}},
                    **error_responses(401, 403, 422),
                },
            }
        }
    },
    {
        "PlanIndicator": {
            "type": "object",
            "properties": {
                "key": {"type": "string", "enum": [ind.key for ind in services.INDICATORS]},
                "label": {"type": "string"},
                "plan_line": {"type": "string", "description": "The line of the library's plan it measures"},
                "unit": {"type": "string", "enum": ["copies", "documents", "records"]},
                "target": {"type": "integer", "nullable": True},
                "target_source": {"type": "string", "enum": ["set", "default"], "nullable": True,
                                  "description": "set by the administrator, or the 2023 plan's figure by default"},
                "actual": {"type": "integer"},
                "percent": {"type": "integer", "nullable": True},
                "months": {"type": "array", "items": {"type": "integer"}, "minItems": 12, "maxItems": 12},
                "quarters": {"type": "array", "items": {"type": "integer"}, "minItems": 4, "maxItems": 4},
            },
        },
        "PlanReport": {
            "type": "object",
            "properties": {
                "year": {"type": "integer"},
                "department": {"type": "string", "nullable": True},
                "indicators": {"type": "array", "items": {"$ref": "#/components/schemas/PlanIndicator"}},
                "people": {"type": "array", "items": {"type": "object", "properties": {
                    "username": {"type": "string"}, "full_name": {"type": "string"},
                    "department": {"type": "string"}, "counts": _COUNTS}}},
                "departments": {"type": "array", "items": {"type": "object", "properties": {
                    "department": {"type": "string"}, "counts": _COUNTS}}},
            },
        },
    },
)
