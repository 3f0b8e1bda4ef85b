"""Administration home: backup status (last backup, size, verification, off-site copies,
"back up now") and the list of staff users."""

from flask import Blueprint, current_app, render_template
from sqlalchemy import select

from catalog.auth import role_required
from catalog.db import get_session
from catalog.models import User

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@role_required("admin")
def index():
    from catalog.backup.services import backup_status

    status = backup_status(current_app._get_current_object())
    users = get_session().scalars(select(User).order_by(User.username)).all()
    return render_template("admin/index.html", status=status, users=users)
