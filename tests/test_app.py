"""The application shell: factory, health check, login, CSRF, roles, language switch."""

from catalog import create_app
from tests.conftest import PASSWORD, csrf_from


def test_instance_folder_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("KATALOH_INSTANCE", str(tmp_path / "elsewhere"))
    monkeypatch.delenv("KATALOH_DATABASE_URL", raising=False)
    app = create_app()
    assert app.instance_path == str(tmp_path / "elsewhere")
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'elsewhere' / 'kataloh.db'}"
    assert app.config["INDEX_PATH"] == str(tmp_path / "elsewhere" / "index")


def test_database_url_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("KATALOH_DATABASE_URL", "postgresql+psycopg://kataloh@/kataloh")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["DATABASE_URL"] == "postgresql+psycopg://kataloh@/kataloh"


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["database"] == "ok"


def test_staff_pages_need_login(client):
    response = client.get("/staff/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_login_wrong_password_is_refused_and_audited(client, make_user, db):
    from sqlalchemy import select

    from catalog.models import AuditEntry

    make_user("olena", "cataloguer")
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": "olena", "password": "wrong password", "csrf_token": token})
    assert response.status_code == 200
    assert "Неправильне ім’я користувача або пароль" in response.get_data(as_text=True)
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "login.failed")).actor == "olena"


def test_login_without_csrf_token_is_rejected(client, make_user):
    make_user("olena", "cataloguer")
    response = client.post("/login", data={"username": "olena", "password": PASSWORD})
    assert response.status_code == 400


def test_login_then_home_then_logout(login):
    client = login("cataloguer", "olena")
    home = client.get("/staff/")
    assert home.status_code == 200
    html = home.get_data(as_text=True)
    assert "Робочий стіл" in html and "olena" in html
    token = csrf_from(html)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/staff/").status_code == 302


def test_login_next_only_follows_local_paths(client, make_user):
    make_user("olena", "cataloguer")
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login?next=https://evil.example/", data={"username": "olena", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"].endswith("/staff/")


def test_role_is_checked(app, login):
    from flask import Blueprint

    from catalog.auth import role_required

    bp = Blueprint("only_cataloguers", __name__)

    @bp.route("/only-cataloguers")
    @role_required("cataloguer")
    def only():
        return "ok"

    app.register_blueprint(bp)
    client = login("reader-services", "ira")
    assert client.get("/only-cataloguers").status_code == 403


def test_ukrainian_by_default_english_on_request(client):
    assert "Вхід для працівників" in client.get("/login").get_data(as_text=True)
    client.get("/lang/en")
    assert "Staff login" in client.get("/login").get_data(as_text=True)


def test_unknown_page_is_a_clear_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")


def test_import_through_the_web_shows_the_job(login, db):
    import io

    from sqlalchemy import func, select

    from catalog.demo import DATA
    from catalog.models import Record

    client = login("cataloguer", "olena")
    token = csrf_from(client.get("/staff/import").get_data(as_text=True))
    data = {"csrf_token": token, "format": "unimarc", "encoding": "", "status": "published",
            "file": (io.BytesIO((DATA / "ukrainian-unimarc.json").read_bytes()), "ukrainian.json")}
    response = client.post("/staff/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 302 and "/staff/jobs/" in response.headers["Location"]
    job = client.get(response.headers["Location"] + "?format=json").get_json()
    assert job["status"] == "done", job
    assert job["result"]["imported"] == 10 and job["done"] == job["total"] == 10
    assert db.scalar(select(func.count()).select_from(Record)) == 10
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<progress" in page
