"""Once in headless Chromium at phone width (360 px): an acquisitions clerk opens a receipt, adds
copies by keyboard and sees them listed; the page does not scroll sideways. Screenshots go to screenshot_dir."""

import pytest

from tests.conftest import PASSWORD
from tests.test_acquisitions_services import UKRAINIAN, store

pytestmark = [pytest.mark.db, pytest.mark.slow]


def test_receipt_at_phone_width(app, live_server, browser, make_user, screenshot_dir):
    make_user("oksana", "acquisitions")
    from catalog.db import get_session

    with app.app_context():
        store(get_session(), UKRAINIAN, "unimarc")
    page = browser.new_page(viewport={"width": 360, "height": 800})
    try:
        page.goto(f"{live_server}/login")
        page.fill("#username", "oksana")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{live_server}/acquisitions/receipts/new")
        page.select_option("#source_type", "donation")
        page.fill("#source_name", "Благодійний фонд")
        page.fill("#document_number", "12")
        page.click("form.form button[type=submit]")
        assert "Надходження 1/" in page.locator("h1").inner_text()
        page.fill("#q", "Вища")
        page.press("#q", "Enter")
        page.fill("input[name=count] >> nth=0", "2")
        page.fill("input[name=price] >> nth=0", "120,00")
        page.locator("form[action$='/copies'] button[type=submit]").click()
        assert "Додано примірників: 2" in page.locator(".flash").inner_text()
        assert page.locator("table.list tbody tr").count() == 2
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        page.screenshot(path=str(screenshot_dir / "acquisitions-receipt-360.png"), full_page=True)
        assert overflow <= 1
    finally:
        page.close()
