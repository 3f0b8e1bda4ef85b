"""Administration home: backup status (last backup, size, verification, off-site copies,
"back up now"), the search index (state, "rebuild now") and the list of staff users."""

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from catalog.auth import role_required
from catalog.db import get_session
from catalog.models import User

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@role_required("admin")
def index():
    from catalog.backup.services import backup_status
    from catalog.indexing import get_index, indexed_count, queued_count

    status = backup_status(current_app._get_current_object())
    session = get_session()
    users = session.scalars(select(User).order_by(User.username)).all()
    index = get_index()
    search_index = {"documents": index.doc_count(), "records": indexed_count(session),
                    "queued": queued_count(session), "needs_rebuild": index.needs_rebuild}
    return render_template("admin/index.html", status=status, users=users, search_index=search_index,
                           reindex_form=FlaskForm())


@bp.route("/reindex", methods=["POST"])
@role_required("admin")
def reindex():
    """Rebuild the search index as a job; the job page shows its progress."""
    from catalog.indexing import start_reindex_job

    form = FlaskForm()
    if not form.validate_on_submit():
        return redirect(url_for("admin.index"))
    job = start_reindex_job(current_user)
    return redirect(url_for("staff.job", job_id=job.id))
