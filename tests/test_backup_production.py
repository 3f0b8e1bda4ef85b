"""Production serving: gunicorn with deploy/gunicorn.conf.py and 2 workers on a loopback
port against the test database (SQLite, or PostgreSQL when KATALOH_TEST_DATABASE_URL is set),
and the deploy units call commands that exist."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.slow
def test_gunicorn_serves_with_two_workers(app, tmp_path):
    gunicorn = Path(sys.executable).with_name("gunicorn")
    port = _free_port()
    env = {**os.environ, "KATALOH_INSTANCE": app.instance_path, "KATALOH_DATABASE_URL": app.config["DATABASE_URL"],
           "KATALOH_BACKUP_SCHEDULE": "0", "PYTHONPATH": str(ROOT)}
    log = open(tmp_path / "gunicorn.log", "wb")
    process = subprocess.Popen(
        [str(gunicorn), "--config", str(DEPLOY / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "catalog:create_app()"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = requests.get(f"{base}/healthz", timeout=5)
                break
            except requests.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError((tmp_path / "gunicorn.log").read_text()) from None
                time.sleep(0.3)
        assert health.status_code == 200
        assert health.json()["database"] == "ok"
        page = requests.get(f"{base}/login", timeout=10)
        assert page.status_code == 200
        assert "<form" in page.text and 'lang="uk"' in page.text
        # behind the proxy: X-Forwarded-Proto from loopback is trusted
        proxied = requests.get(f"{base}/login", headers={"X-Forwarded-Proto": "https"}, timeout=10)
        assert proxied.status_code == 200
        for _ in range(20):  # several requests are spread over both workers
            assert requests.get(f"{base}/healthz", timeout=10).status_code == 200
        assert len(_children(process.pid)) == 2
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def _unit_value(path: Path, key: str) -> str:
    for line in path.read_text().splitlines():
        if line.startswith(f"{key}="):
            return line.split("=", 1)[1]
    raise AssertionError(f"{path.name} has no {key}")


def test_units_call_real_commands(runner):
    backup = _unit_value(DEPLOY / "kataloh-backup.service", "ExecStart").split()
    assert backup[0].endswith("/.venv/bin/kataloh") and backup[1:] == ["backup", "create"]
    assert runner.invoke(args=[*backup[1:], "--help"]).exit_code == 0
    assert _unit_value(DEPLOY / "kataloh-backup.timer", "Persistent") == "true"  # a missed night runs at boot
    assert _unit_value(DEPLOY / "kataloh-backup.timer", "OnCalendar") == "*-*-* 02:30:00"
    web = _unit_value(DEPLOY / "kataloh.service", "ExecStart")
    assert "gunicorn --config" in web and "deploy/gunicorn.conf.py" in web and "catalog:create_app()" in web
    cron = (DEPLOY / "crontab.example").read_text()
    assert "kataloh backup create" in cron
    nginx = (DEPLOY / "nginx-kataloh.conf").read_text()
    assert "proxy_pass http://kataloh" in nginx and "X-Forwarded-Proto" in nginx
