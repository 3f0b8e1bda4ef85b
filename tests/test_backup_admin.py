"""Visibility: the admin page, `kataloh backup status`, GET /api/v1/backups/status, and the
staff banner when the last good backup is too old."""

import json
import os
from datetime import datetime, timedelta

from catalog.backup.history import BackupInfo, archive_name
from catalog.backup.services import run_backup
from tests.conftest import csrf_from
from tests.test_backup_helpers import make_records


def _records(app, n=2):
    from catalog.db import get_session

    with app.app_context():
        make_records(get_session(), n)


def _old_backup(app, hours: float) -> BackupInfo:
    """A good backup made ``hours`` ago (its file name carries the time)."""
    folder = app.config["BACKUP_PATH"]
    os.makedirs(folder, exist_ok=True)
    when = datetime.now() - timedelta(hours=hours)
    from pathlib import Path

    path = Path(folder) / archive_name(when)
    path.write_bytes(b"x" * 2048)
    info = BackupInfo(path, when, {"size": 2048, "verification": {"ok": True, "message": "verified"}, "offsite": []})
    info.save()
    return info


def test_admin_page_shows_backup_status_and_users(app, login):
    _records(app)
    client = login("admin", "adminka")
    page = client.get("/admin/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Резервні копії" in html and "Ще немає резервних копій" in html
    assert "adminka" in html  # the staff users list
    response = client.post("/admin/backups/run", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302 and "/staff/jobs/" in response.headers["Location"]
    job = client.get(response.headers["Location"] + "?format=json").get_json()
    assert job["status"] == "done", job
    assert job["result"]["file"].startswith("kataloh-")
    html = client.get("/admin/").get_data(as_text=True)
    assert job["result"]["file"] in html
    assert "перевірено" in html


def test_admin_page_needs_the_admin_role(app, login):
    client = login("cataloguer", "olena")
    assert client.get("/admin/").status_code == 403
    page = client.get("/staff/").get_data(as_text=True)
    assert 'href="/admin/"' not in page


def test_backup_now_needs_csrf(app, login):
    client = login("admin", "adminka")
    assert client.post("/admin/backups/run").status_code == 400


def test_banner_warns_staff_when_the_last_good_backup_is_old(app, login):
    client = login("cataloguer", "olena")
    page = client.get("/staff/").get_data(as_text=True)
    assert "резервн" not in page.lower()  # no records yet: no backup expected
    _records(app, 1)
    app.extensions.pop("kataloh.backup_banner", None)
    page = client.get("/staff/").get_data(as_text=True)
    assert "Ще немає жодної вдалої резервної копії" in page
    _old_backup(app, hours=40)
    app.extensions.pop("kataloh.backup_banner", None)
    page = client.get("/staff/").get_data(as_text=True)
    assert "40 год" in page
    _old_backup(app, hours=2)
    app.extensions.pop("kataloh.backup_banner", None)
    page = client.get("/staff/").get_data(as_text=True)
    assert "резервн" not in page.lower()


def test_status_command_and_api(app, runner, api_token, client):
    _records(app)
    result = runner.invoke(args=["backup", "status"])
    assert result.exit_code == 1 and "no backups yet" in result.output  # stale: exit 1 for monitoring
    info = run_backup(app, trigger="test")
    result = runner.invoke(args=["backup", "status"])
    assert result.exit_code == 0, result.output
    assert info.name in result.output and "verified OK" in result.output
    data = json.loads(runner.invoke(args=["backup", "status", "--json"]).output)
    assert data["last"]["file"] == info.name and data["stale"] is False

    assert client.get("/api/v1/backups/status").status_code == 401
    assert client.get("/api/v1/backups/status", headers=api_token("cataloguer")).status_code == 403
    response = client.get("/api/v1/backups/status", headers=api_token("admin"))
    assert response.status_code == 200
    body = response.get_json()
    assert body["last"]["file"] == info.name
    assert body["last"]["verification"]["ok"] is True
    assert body["last"]["size"] == info.path.stat().st_size
    assert body["last"]["counts"]["records"] == 2
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/backups/status" in spec["paths"]
    assert "BackupStatus" in spec["components"]["schemas"]
