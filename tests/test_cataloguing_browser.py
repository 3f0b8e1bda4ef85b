"""Once in headless Chromium: a cataloguer logs in, creates a UNIMARC and a MARC 21 book through
the guided form, an analytic record for a chapter, classifies with UDC and picks an
authority-linked subject heading from the autocomplete. Screenshots go to screenshot_dir."""

import re

import pytest

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.db, pytest.mark.slow]


def test_cataloguer_in_a_real_browser(app, live_server, browser, make_user, screenshot_dir):
    make_user("mariia", "cataloguer")
    from catalog.cataloguing.authorities import save_authority
    from catalog.db import get_session

    with app.test_request_context():
        auth = save_authority(get_session(), "test", "topical", "Математичний аналіз", fmt="unimarc")
        auth_id = auth.id
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    try:
        page.goto(f"{live_server}/login")
        page.fill("#username", "mariia")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{live_server}/cataloguing/")
        assert page.locator("h1").inner_text() == "Робоче місце каталогізатора"

        # UNIMARC book through the guided form, keyboard-driven where it matters
        page.select_option("#new-format", "unimarc")
        page.click("form[action='/cataloguing/new'] button[type=submit]")
        page.fill("#f-title", "Вища математика")
        page.fill("#f-subtitle", "підручник")
        page.fill("#f-responsibility", "П. Л. Свердан")
        page.fill("#name-0-text", "Свердан, Павло Левкович")
        page.fill("#f-place", "Київ")
        page.fill("#f-publisher", "Знання")
        page.fill("#f-year", "2008")
        page.fill("#f-pages", "450 с.")
        page.fill("#isbn-0", "978-966-346-491-6")
        page.fill("#udc-0", "517(075.8)")
        # autocomplete from the authority file while typing
        page.type("#subject-0-heading", "Матем", delay=30)
        page.wait_for_selector("#subject-0-heading-suggestions li")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        assert page.input_value("#subject-0-auth") == str(auth_id)
        page.screenshot(path=str(screenshot_dir / "cataloguing-guided-unimarc.png"), full_page=True)
        page.click("button[name=publish]")
        page.wait_for_url(re.compile(r"/cataloguing/records/\d+$"))
        host_url = page.url
        host_id = int(host_url.rsplit("/", 1)[1])
        assert "Вища математика" in page.content() and "published" in page.content()

        # an analytic record for a chapter, from the host's page
        page.click("text=Додати статтю або розділ")
        assert page.input_value("#f-host_id") == str(host_id)
        page.fill("#f-title", "Границя послідовності")
        page.fill("#f-host_pages", "С. 15–30")
        page.fill("#udc-0", "517.2")
        page.click("button[name=publish]")
        page.wait_for_url(re.compile(r"/cataloguing/records/\d+$"))
        assert "Вища математика" in page.content()  # the part shows its host
        page.goto(host_url)
        assert "Границя послідовності" in page.content()  # the host shows its part

        # a MARC 21 book
        page.goto(f"{live_server}/cataloguing/new?format=marc21")
        page.fill("#f-title", "Кобзар")
        page.fill("#name-0-text", "Шевченко, Тарас Григорович")
        page.fill("#f-year", "1840")
        page.fill("#udc-0", "821.161.2-1")
        page.select_option("#subject-0-kind", "keyword")
        page.fill("#subject-0-heading", "поезія")
        page.click("button[name=publish]")
        page.wait_for_url(re.compile(r"/cataloguing/records/\d+$"))
        assert "MARC21" in page.content() and "=245" not in page.content()
        page.screenshot(path=str(screenshot_dir / "cataloguing-record-marc21.png"), full_page=True)

        # the MARC editor at phone width, with a problem shown beside its field
        page.set_viewport_size({"width": 360, "height": 800})
        page.goto(f"{live_server}/cataloguing/records/{host_id}/marc")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
        page.fill("#f-0-tag", "001")
        page.locator("input[value='Вища математика']").fill("")
        page.click("button[name=check]")
        assert page.locator(".marc-row.has-error").count() >= 1
        page.screenshot(path=str(screenshot_dir / "cataloguing-editor-360.png"), full_page=True)
    finally:
        page.close()
    from catalog.models import Record

    with app.app_context():
        rows = get_session().query(Record).filter(Record.kind == "bibliographic").all()
        assert {(r.format, r.status) for r in rows} == {("unimarc", "published"), ("marc21", "published")}
        assert len(rows) == 3
