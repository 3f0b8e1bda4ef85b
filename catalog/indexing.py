"""Keep the search index in step with the database.

Every record write queues the record id (``IndexQueue``) in its own transaction; after
commit the queue is drained into the index. A locked or broken index leaves the queue as
it is, so the next drain (or ``kataloh reindex``) repairs it and no update is lost.
"""

import logging
import time
from collections.abc import Callable, Iterable

from flask import current_app, has_request_context
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from catalog.db import get_session
from catalog.models import IndexQueue, Record
from marc.io import record_from_json
from search.document import build_document
from search.index import IndexBusyError, SearchIndex
from search.prepare import with_availability

log = logging.getLogger(__name__)

# Areas add data to index documents (e.g. copies -> availability, inventory numbers):
# each provider takes (session, record_ids) and returns {record_id: {key: value}}.
DOCUMENT_EXTRAS: list[Callable[[Session, list[int]], dict[int, dict]]] = []

INDEXED_STATUSES = ("draft", "published", "suppressed")


def get_index() -> SearchIndex:
    """The app's search index (opened once per process)."""
    index = current_app.extensions.get("kataloh.index")
    if index is None:
        index = SearchIndex(current_app.config["INDEX_PATH"])
        current_app.extensions["kataloh.index"] = index
    return index


def _extras(session: Session, ids: list[int]) -> dict[int, dict]:
    extras: dict[int, dict] = {}
    for provider in DOCUMENT_EXTRAS:
        for record_id, values in provider(session, ids).items():
            extras.setdefault(record_id, {}).update(values)
    return extras


def document_of(item: tuple) -> dict:
    """The index document of ``(id, marc, format, status, extra)``: a top-level function so
    that the rebuild's worker processes can build documents too."""
    record_id, marc, fmt, status, extra = item
    return build_document(record_id, record_from_json(marc), fmt, status, extra)


def documents_for(session: Session, records: list[Record]) -> list[dict]:
    """Build index documents for ``records`` with every registered extra."""
    extras = _extras(session, [r.id for r in records])
    return [document_of((r.id, r.marc, r.format, r.status, extras.get(r.id))) for r in records]


def drain_queue(session: Session | None = None, batch_size: int = 500) -> int:
    """Index every queued record; returns how many were processed."""
    session = session or get_session()
    index = get_index()
    done = 0
    while True:
        rows = session.execute(select(IndexQueue.id, IndexQueue.record_id).order_by(IndexQueue.id).limit(batch_size)).all()
        if not rows:
            return done
        record_ids = sorted({r.record_id for r in rows})
        records = session.scalars(select(Record).where(Record.id.in_(record_ids))).all()
        live = [r for r in records if r.status in INDEXED_STATUSES]
        gone = set(record_ids) - {r.id for r in live}
        if live:
            index.update(documents_for(session, live))
        if gone:
            index.delete(sorted(gone))
        session.execute(delete(IndexQueue).where(IndexQueue.id <= max(r.id for r in rows)).where(
            IndexQueue.record_id.in_(record_ids)))
        session.commit()
        done += len(record_ids)


def drain_queue_quietly() -> None:
    """Drain after a commit; a failure is logged and left for the next drain.

    In a web request the index is waited for at most ``INDEX_WAIT_IN_REQUEST`` seconds: while
    a rebuild holds it, the save returns at once and the rebuild's final drain applies it.
    """
    try:
        if has_request_context():
            with get_index().waiting_at_most(current_app.config.get("INDEX_WAIT_IN_REQUEST", 5.0)):
                drain_queue()
        else:
            drain_queue()
    except IndexBusyError as exc:
        log.warning("%s; the queue keeps the records for the next drain", exc)
    except Exception:  # the queue keeps the work; never fail the user's save
        log.exception("search index update failed; the queue keeps the records for the next drain")


def index_imported(ready: list[tuple]) -> None:
    """After an import batch commits: write the index rows its workers prepared, then drain
    the rest of the queue (records with copies, whose documents need the copies' numbers).

    ``ready`` holds (index queue id, record id, search.prepare.Prepared); only those queue
    entries are removed, so a newer save of the same record is still indexed by its drain.
    A failure is logged and the queue keeps the work, as with ``drain_queue_quietly``.
    """
    try:
        session = get_session()
        extras = _extras(session, [rid for _, rid, _ in ready])
        direct = [(qid, with_availability(rows, extras.get(rid))) for qid, rid, rows in ready]
        direct = [(qid, rows) for qid, rows in direct if rows is not None]
        if direct:
            get_index().write_prepared(rows for _, rows in direct)
            session.execute(delete(IndexQueue).where(IndexQueue.id.in_([qid for qid, _ in direct])))
            session.commit()
        drain_queue(session)
    except Exception:
        log.exception("search index update after an import batch failed; the queue keeps the records")


def queued_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(IndexQueue)) or 0


def reindex_all(session: Session, progress: Callable[[int], None] | None = None, batch_size: int = 1000,
                if_needed: bool = False) -> int:
    """Rebuild the whole index from the database; returns the number of documents.

    This process reads the records in id order; worker processes parse them and build and
    analyse the documents (search/index.py ``rebuild``). With ``if_needed`` nothing happens
    unless the index is flagged for a rebuild (missing, corrupt or outdated)."""
    total = 0

    def items() -> Iterable[tuple]:
        nonlocal total
        last_id = 0
        while True:
            rows = session.execute(
                select(Record.id, Record.marc, Record.format, Record.status)
                .where(Record.id > last_id, Record.status.in_(INDEXED_STATUSES))
                .order_by(Record.id)
                .limit(batch_size)
            ).all()
            if not rows:
                return
            last_id = rows[-1].id
            extras = _extras(session, [r.id for r in rows])
            for r in rows:
                yield (r.id, r.marc, r.format, r.status, extras.get(r.id))
            total += len(rows)
            if progress:
                progress(len(rows))

    max_queue_id = session.scalar(select(func.max(IndexQueue.id)))
    if get_index().rebuild(items(), make_doc=document_of, if_needed=if_needed) is None:
        return 0
    if max_queue_id is not None:
        session.execute(delete(IndexQueue).where(IndexQueue.id <= max_queue_id))
        session.commit()
    drain_queue(session)  # writes queued while the rebuild held the index
    return total


def ensure_index(progress: Callable[[int], None] | None = None) -> int | None:
    """Make the index usable now (``kataloh init``): a new index for an empty catalogue is simply
    current; a flagged one is rebuilt. Returns the documents rebuilt, or None when none was needed."""
    index = get_index()
    if not index.needs_rebuild:
        return None
    session = get_session()
    if indexed_count(session) == 0:
        index.mark_current()
        return 0
    return reindex_all(session, progress=progress, if_needed=True)


def indexed_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Record).where(Record.status.in_(INDEXED_STATUSES))) or 0


def start_reindex_job(actor, *, if_needed: bool = False):
    """Rebuild the index as a background job with progress (``/staff/jobs/<id>``); audited."""
    from catalog.audit import audit
    from catalog.jobs import start_job

    def work(progress) -> dict:
        session = get_session()
        total, done = indexed_count(session), 0

        def step(n: int) -> None:
            nonlocal done
            done += n
            progress(done, total)

        progress(0, total, "reindex")
        indexed = reindex_all(session, progress=step, if_needed=if_needed)
        return {"indexed": indexed}

    session = get_session()
    audit(session, actor, "index.rebuild", "search-index", "", {"if_needed": if_needed})
    session.commit()
    return start_job(session, "reindex", actor, work)


def init_app(app) -> None:
    """Rebuild the index in the background when a request finds it missing, corrupt or outdated
    (checked at most every ``INDEX_REBUILD_CHECK_SECONDS`` per process; the rebuild re-checks under
    the index's write lock, so several server processes rebuild it once)."""
    last_check = [float("-inf")]

    @app.before_request
    def _rebuild_if_needed():
        now = time.monotonic()
        if now - last_check[0] < app.config.get("INDEX_REBUILD_CHECK_SECONDS", 30.0):
            return
        last_check[0] = now
        try:
            if get_index().needs_rebuild:
                log.warning("search index needs a rebuild; starting one in the background")
                start_reindex_job("system", if_needed=True)
        except Exception:  # never fail the request that noticed it
            log.exception("could not start the search index rebuild")
