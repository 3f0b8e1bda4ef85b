"""Staff home (recent records), a plain record page, and the health check."""

from flask import Blueprint, jsonify, render_template
from sqlalchemy import func, select, text

from catalog.auth import role_required
from catalog.db import get_session
from catalog.models import AuditEntry, Record, RecordVersion
from catalog.records.services import load_record, marc_of

bp = Blueprint("staff", __name__, url_prefix="/staff")

STAFF_ROLES = ("cataloguer", "acquisitions", "inventory", "reader-services")


@bp.route("/")
@role_required(*STAFF_ROLES)
def home():
    session = get_session()
    recent = session.scalars(select(Record).where(Record.status != "deleted").order_by(Record.updated_at.desc()).limit(20)).all()
    counts = dict(session.execute(select(Record.status, func.count()).group_by(Record.status)).all())
    activity = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(10)).all()
    return render_template("staff/home.html", recent=recent, counts=counts, activity=activity)


@bp.route("/records/<int:record_id>")
@role_required(*STAFF_ROLES)
def record(record_id: int):
    session = get_session()
    rec = load_record(session, record_id)
    versions = session.scalars(
        select(RecordVersion).where(RecordVersion.record_id == rec.id).order_by(RecordVersion.version.desc())
    ).all()
    return render_template("staff/record.html", record=rec, marc=marc_of(rec), versions=versions)


def healthz():
    """Liveness and readiness for monitoring: database reachable, index queue length."""
    from catalog.indexing import queued_count

    session = get_session()
    try:
        session.execute(text("SELECT 1"))
        queue = queued_count(session)
        return jsonify(status="ok", database="ok", index_queue=queue)
    except Exception as exc:  # report, never crash the probe
        return jsonify(status="error", database=str(exc)), 503


bp.record_once(lambda state: state.app.add_url_rule("/healthz", "healthz", healthz))


@bp.route("/jobs/<int:job_id>")
@role_required(*STAFF_ROLES)
def job(job_id: int):
    """A long job's progress: HTML that refreshes itself, or JSON for scripts."""
    from flask import request

    from catalog.jobs import job_state
    from catalog.models import Job

    found = get_session().get(Job, job_id)
    if found is None:
        from catalog.errors import NotFound

        raise NotFound(f"Job {job_id} does not exist")
    state = job_state(found)
    if request.accept_mimetypes.best == "application/json" or request.args.get("format") == "json":
        return jsonify(state)
    return render_template("staff/job.html", job=state)
