"""The plan dashboard, targets form, CSV/PDF reports and the JSON API, driven through the
Flask test client (login through the real form, CSRF on)."""

import csv
import io
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.conftest import csrf_from
from tests.test_plan_services import EXPECTED_MONTHS, year_of_work  # noqa: F401 (fixture)

SEED = {"copies_received": 1000, "eresources_received": 20, "technical_processing": 1000, "catalogued": 1020,
        "classified": 1020, "subject_indexed": 1020, "analytics": 100, "edits": 1100}


def bar(html: str, key: str) -> str:
    match = re.search(rf'<li id="ind-{key}"[^>]*>(.*?)</li>', html, re.S)
    assert match, key
    return match.group(1)


def test_dashboard_shows_the_seed_targets_and_the_actuals(year_of_work, login):  # noqa: F811
    client = login("reader-services")
    html = client.get("/plan/?year=2023").get_data(as_text=True)
    assert "Показники плану, 2023" in html
    for key, target in SEED.items():
        total = sum(EXPECTED_MONTHS[key].values())
        item = bar(html, key)
        assert f'<progress max="{target}" value="{total}"' in item, key
        assert f"{total} / {target}" in item and "план 2023" in item.lower(), key
    assert "немає цілі" in bar(html, "withdrawn")
    months = re.search(r'<table class="plan-table" id="plan-months">(.*?)</table>', html, re.S).group(1)
    copies = re.search(r"Отримано примірників</th>(.*?)</tr>", months, re.S).group(1)
    assert re.findall(r'<td class="n">(?:<strong>)?(\d+)', copies) == ["0", "0", "5", "0", "0", "0", "0", "0", "0", "0",
                                                                        "3", "0", "8"]
    people = re.search(r'id="plan-people">(.*?)</table>', html, re.S).group(1)
    assert "olena" in people and "ВФФіЕК" in people and "petro" in people and "ВНМР" in people
    assert "ВНМР" in re.search(r'id="plan-departments">(.*?)</table>', html, re.S).group(1)
    assert "/plan/targets" not in html  # only the administrator sets targets


def test_dashboard_for_one_department(year_of_work, login):  # noqa: F811
    html = login("cataloguer").get("/plan/?year=2023&department=ВНМР").get_data(as_text=True)
    assert "— ВНМР" in html
    assert 'id="plan-departments"' not in html
    assert "3 примірників · немає цілі" in bar(html, "copies_received")


def test_dashboard_needs_staff_and_a_sane_year(app, client, login):
    assert client.get("/plan/").status_code == 302  # to the login page
    staff = login("inventory")
    html = staff.get("/plan/").get_data(as_text=True)
    assert f"Показники плану, {date.today().year}" in html and "% року минуло" in html
    assert staff.get("/plan/?year=abc").status_code == 422
    assert staff.get("/plan/report.xls?year=2023").status_code == 400


def test_administrator_sets_targets(app, login):
    admin = login("admin")
    page = admin.get("/plan/targets?year=2023")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'placeholder="1020"' in html and 'for="t-catalogued"' in html
    form = {"csrf_token": csrf_from(html), "year": "2023", "department": "", "catalogued": "1500", "withdrawn": "250"}
    response = admin.post("/plan/targets", data=form)
    assert response.status_code == 302
    html = admin.get("/plan/?year=2023").get_data(as_text=True)
    assert '<progress max="1500" value="0"' in bar(html, "catalogued")
    assert "план 2023" not in bar(html, "catalogued").lower() and "план 2023" in bar(html, "edits").lower()
    assert '<progress max="250"' in bar(html, "withdrawn")
    bad = admin.post("/plan/targets", data={**form, "catalogued": "-3"})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.get_data(as_text=True)
    assert admin.post("/plan/targets", data={k: v for k, v in form.items() if k != "csrf_token"}).status_code == 400


def test_targets_are_for_the_administrator_only(app, login):
    assert login("cataloguer").get("/plan/targets").status_code == 403


def test_csv_and_pdf_reports(year_of_work, app, login):  # noqa: F811
    client = login("acquisitions")
    response = client.get("/plan/report.csv?year=2023")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    summary = {row[0]: row for row in rows if len(row) == 9}
    assert summary["Записів каталогізовано"][2:] == ["1020", "2", "2", "0", "0", "4", "0"]
    assert summary["Редагувань в електронному каталозі"][2:] == ["1100", "2", "0", "1", "0", "3", "0"]
    response = client.get("/plan/report.pdf?year=2023")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Показники плану, 2023" in text
    assert "2.4 Редагування в ЕК" in text and "1100" in text and "1020" in text
    assert "olena" in text and "ВНМР" in text
    assert "Вибуття" in text
    render_for_a_look(response.data, "plan-2023")


def render_for_a_look(data: bytes, name: str) -> None:
    """Keep the PDF and its first page as PNG under tests/output/plan/ (where pdftoppm exists)."""
    out = Path(__file__).resolve().parent / "output" / "plan"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.pdf").write_bytes(data)
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(out / f"{name}.pdf"),
                        str(out / name)], check=True, timeout=60)
        assert (out / f"{name}.png").stat().st_size > 2000


def test_api_plan_year(year_of_work, client, api_token):  # noqa: F811
    assert client.get("/api/v1/plan/2023").status_code == 401
    response = client.get("/api/v1/plan/2023", headers=api_token("reader-services"))
    assert response.status_code == 200
    data = response.get_json()
    by_key = {i["key"]: i for i in data["indicators"]}
    assert by_key["catalogued"]["target"] == 1020 and by_key["catalogued"]["target_source"] == "default"
    for key, months in EXPECTED_MONTHS.items():
        assert by_key[key]["months"] == [months.get(m, 0) for m in range(1, 13)], key
        assert by_key[key]["actual"] == sum(months.values())
    people = {p["username"]: p["counts"] for p in data["people"]}
    assert people["petro"]["classified"] == 2 and people["olena"]["withdrawn"] == 2
    only = client.get("/api/v1/plan/2023?department=ВФФіЕК", headers=api_token("cataloguer")).get_json()
    assert {i["key"]: i["actual"] for i in only["indicators"]}["catalogued"] == 2
    assert client.get("/api/v1/plan/3000", headers=api_token("cataloguer")).status_code == 422


def test_openapi_documents_the_plan(client):
    from catalog.api.openapi import document

    doc = document()
    assert "/plan/{year}" in doc["paths"] and "PlanReport" in doc["components"]["schemas"]


@pytest.mark.parametrize("width", [360])
def test_dashboard_fits_a_phone(year_of_work, app, live_server, browser, screenshot_dir, width):  # noqa: F811
    from catalog.auth.services import create_user
    from catalog.db import get_session
    from tests.conftest import PASSWORD

    with app.app_context():
        create_user(get_session(), "phone-admin", PASSWORD, "admin", actor="test")
    page = browser.new_page(viewport={"width": width, "height": 740}, java_script_enabled=False)
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "phone-admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/plan/?year=2023")
    assert page.locator("progress").count() == 8
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"
    page.screenshot(path=str(screenshot_dir / "plan-dashboard-360.png"), full_page=True)
    page.close()
