"""Keeping the search index in step with the database: a broken index is rebuilt, the
administrator's rebuild runs as an audited job, /healthz reports the index."""

import pymarc
import pytest
from pymarc import Field, Subfield
from sqlalchemy import select

from tests.conftest import csrf_from

pytestmark = pytest.mark.db


def add_books(app, titles):
    from catalog.db import get_session
    from catalog.records.services import save_record

    with app.app_context():
        session = get_session()
        for title in titles:
            record = pymarc.Record(force_utf8=True)
            record.add_field(Field(tag="245", indicators=["1", "0"], subfields=[Subfield("a", title)]))
            save_record(session, "test", record, fmt="marc21", status="published", validate=False)


def opac_titles(client, q):
    html = client.get("/opac/", query_string={"q": q}).get_data(as_text=True)
    return [t for t in ("Кобзар", "Лісова пісня") if t in html]


def test_a_corrupt_index_is_rebuilt_when_a_request_notices(app, client):
    add_books(app, ["Кобзар", "Лісова пісня"])
    assert opac_titles(client, "кобзар") == ["Кобзар"]
    with app.app_context():
        from catalog.indexing import get_index

        index = get_index()
        index.close()
        index.db_path.write_bytes(b"not a database" * 1000)
        for name in ("search.sqlite-wal", "search.sqlite-shm"):
            (index.path / name).unlink(missing_ok=True)
    app.config["INDEX_REBUILD_CHECK_SECONDS"] = 0  # check at every request
    health = client.get("/healthz").get_json()  # notices, rebuilds (jobs run inline in tests)
    assert health["status"] == "ok"
    assert opac_titles(client, "пісні") == ["Лісова пісня"]
    assert client.get("/healthz").get_json()["index"] == "ok"
    with app.app_context():
        from catalog.db import get_session
        from catalog.models import Job

        jobs = get_session().scalars(select(Job).where(Job.kind == "reindex")).all()
        assert jobs and jobs[-1].status == "done" and jobs[-1].result == {"indexed": 2}


def test_admin_rebuilds_the_index_as_a_job(app, client, login):
    add_books(app, ["Кобзар"])
    login("admin")
    page = client.get("/admin/")
    assert "Rebuild the search index" in page.get_data(as_text=True) or "Перебудувати" in page.get_data(as_text=True)
    response = client.post("/admin/reindex", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 302 and "/staff/jobs/" in response.headers["Location"]
    state = client.get(response.headers["Location"], headers={"Accept": "application/json"}).get_json()
    assert state["status"] == "done" and state["result"] == {"indexed": 1} and state["done"] == 1
    with app.app_context():
        from catalog.db import get_session
        from catalog.models import AuditEntry

        actors = get_session().scalars(select(AuditEntry.actor).where(AuditEntry.action == "index.rebuild")).all()
        assert [a for a in actors if a != "system"]  # the administrator's rebuild is audited under their name
    assert opac_titles(client, "кобзаря") == ["Кобзар"]


def test_rebuild_needs_admin_and_csrf(app, client, login):
    assert client.post("/admin/reindex").status_code == 400  # no CSRF token
    login("cataloguer")
    token = csrf_from(client.get("/staff/import").get_data(as_text=True))
    assert client.post("/admin/reindex", data={"csrf_token": token}).status_code == 403


def test_init_makes_the_index_ready(app, runner):
    from catalog.indexing import get_index

    result = runner.invoke(args=["init"])  # a new index for an empty catalogue: nothing to rebuild
    assert result.exit_code == 0 and "Search index ready" in result.output
    with app.app_context():
        assert not get_index().needs_rebuild
    add_books(app, ["Кобзар", "Лісова пісня"])
    with app.app_context():
        index = get_index()
        index.close()
        for name in ("search.sqlite", "search.sqlite-wal", "search.sqlite-shm"):
            (index.path / name).unlink(missing_ok=True)  # the index is lost: init rebuilds it
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0 and "2 records indexed" in result.output, result.output
    with app.app_context():
        assert not get_index().needs_rebuild and get_index().doc_count() == 2
