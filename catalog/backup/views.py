"""Backup actions for admins ("back up now" as a job), the staff banner for stale backups,
and the start of the nightly scheduler when the server begins serving requests."""

import time

from flask import Blueprint, current_app, redirect, url_for
from flask_babel import gettext as _

from catalog import navigation
from catalog.auth import current_actor, role_required

bp = Blueprint("backup", __name__, url_prefix="/admin/backups")


@bp.post("/run")
@role_required("admin")
def run():
    """Start a backup in the background and show its progress (the job page polls)."""
    from catalog.backup.services import backup_job

    job = backup_job(current_app._get_current_object(), current_actor(), trigger="web")
    return redirect(url_for("staff.job", job_id=job.id))


BANNER_CACHE_SECONDS = 60


def stale_backup_banner() -> list[str]:
    """Warn staff when the last good backup is older than BACKUP_WARN_HOURS (36 by default),
    on an instance that holds records; cached for a minute."""
    from catalog.backup.services import backup_status

    app = current_app._get_current_object()
    cached = app.extensions.get("kataloh.backup_banner")
    now = time.monotonic()
    if cached is None or now - cached[0] > BANNER_CACHE_SECONDS:
        try:
            status = backup_status(app)
            stale = status["stale"]
            hours = status["warn_hours"]
            age = status["last_good_age_hours"]
        except Exception:  # the banner never breaks a page
            stale, hours, age = False, 0, None
        cached = (now, stale, hours, age)
        app.extensions["kataloh.backup_banner"] = cached
    _at, stale, hours, age = cached
    if not stale:
        return []
    if age is None:
        return [_("There is no good backup of this catalogue yet: ask an administrator to make one.")]
    return [_("The last good backup is %(age)s hours old (older than %(hours)s hours): check the backups.",
              age=int(age), hours=int(hours))]


if stale_backup_banner not in navigation.BANNERS:
    navigation.BANNERS.append(stale_backup_banner)


def _start_scheduler_once():
    from catalog.backup.scheduler import start_scheduler

    app = current_app._get_current_object()
    if not app.extensions.get("kataloh.backup_scheduler_checked"):
        app.extensions["kataloh.backup_scheduler_checked"] = True
        start_scheduler(app)


bp.record_once(lambda state: state.app.before_request(_start_scheduler_once))
