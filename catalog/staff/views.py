"""Staff home (recent records), a plain record page, and the health check."""

from datetime import datetime
from pathlib import Path

from flask import Blueprint, current_app, jsonify, redirect, render_template, url_for
from flask_login import current_user
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
    """Liveness and readiness for monitoring: database reachable, index state and queue length."""
    from catalog.indexing import get_index, queued_count

    session = get_session()
    try:
        session.execute(text("SELECT 1"))
        queue = queued_count(session)
        index = get_index()
        state = "rebuild pending" if index.needs_rebuild else "ok"
        return jsonify(status="ok", database="ok", index=state, index_documents=index.doc_count(), index_queue=queue)
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


@bp.route("/import", methods=["GET", "POST"])
@role_required("cataloguer")
def import_file():
    """Upload a MARC file; the import runs as a job whose progress the next page shows."""
    from catalog.indexing import index_imported
    from catalog.jobs import start_job
    from catalog.records.importer import count_records, import_files
    from catalog.staff.forms import ImportForm

    form = ImportForm()
    if form.validate_on_submit():
        uploads = Path(current_app.config["UPLOAD_PATH"]) / "imports"
        uploads.mkdir(parents=True, exist_ok=True)
        name = Path(form.file.data.filename or "upload").name
        path = uploads / f"{datetime.now():%Y%m%d-%H%M%S}-{name}"
        form.file.data.save(path)
        options = {"fmt": form.format.data, "encoding": form.encoding.data or None, "status": form.status.data,
                   "dry_run": form.dry_run.data}
        actor = current_user.username
        report_path = Path(current_app.instance_path) / "reports" / f"{path.stem}.txt"

        def work(progress):
            total = count_records(path)
            done = 0

            def step(n):
                nonlocal done
                done += n
                if done % 100 == 0 or done == total:
                    progress(done, total)

            from catalog.db import get_session

            report = import_files(get_session(), actor, [path], progress=step, workers=1,
                                  after_batch=None if options["dry_run"] else index_imported, **options)
            progress(done, total, report.summary())
            report.write(report_path)
            return report.as_dict()

        job = start_job(get_session(), "import", current_user, work)
        return redirect(url_for("staff.job", job_id=job.id))
    return render_template("staff/import.html", form=form)
