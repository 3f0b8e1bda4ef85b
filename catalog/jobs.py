"""Long work in a background thread with progress stored in ``Job`` for the web UI to poll.

The CLI runs the same functions in the foreground with a click progress bar; a function
takes ``progress(done, total=None, message="")`` and returns a JSON-able result.
"""

import threading
from collections.abc import Callable

from flask import current_app

from catalog.audit import actor_name
from catalog.models import Job, utcnow

Progress = Callable[..., None]


def _run(app, job_id: int, work: Callable[[Progress], dict]) -> None:
    with app.app_context():
        maker = app.extensions["kataloh.sessionmaker"]
        with maker() as session:
            job = session.get(Job, job_id)

            def progress(done: int, total: int | None = None, message: str = "") -> None:
                job.done = done
                if total is not None:
                    job.total = total
                if message:
                    job.message = message[:500]
                session.commit()

            try:
                job.result = work(progress)
                job.status = "done"
            except Exception as exc:  # the job reports it; the server keeps running
                session.rollback()
                job = session.get(Job, job_id)
                job.status = "failed"
                job.message = f"{type(exc).__name__}: {exc}"[:500]
            job.finished_at = utcnow()
            session.commit()


def start_job(session, kind: str, actor, work: Callable[[Progress], dict], *, background: bool = True) -> Job:
    """Record a job and run ``work`` (in a thread unless ``background`` is false, e.g. in tests)."""
    job = Job(kind=kind, actor=actor_name(actor))
    session.add(job)
    session.commit()
    app = current_app._get_current_object()
    if background and not app.config.get("JOBS_INLINE"):
        threading.Thread(target=_run, args=(app, job.id, work), daemon=True, name=f"job-{job.id}").start()
    else:
        _run(app, job.id, work)
        session.refresh(job)
    return job


def job_state(job: Job) -> dict:
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "done": job.done,
        "total": job.total,
        "percent": round(100 * job.done / job.total) if job.total else None,
        "message": job.message,
        "result": job.result,
        "started_at": job.started_at.isoformat(timespec="seconds"),
        "finished_at": job.finished_at.isoformat(timespec="seconds") if job.finished_at else None,
    }
