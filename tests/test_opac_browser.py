"""The OPAC in headless Chromium at phone (360 px) and desktop (1280 px) widths: search,
open a record, and save screenshots to tests/output/screenshots/."""

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture
def demo_server(demo_app):
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, demo_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.mark.parametrize("width", [360, 1280])
def test_search_and_open_a_record(browser, demo_server, screenshot_dir, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{demo_server}/opac/")
    page.get_by_label("Пошук у каталозі").fill("бібліотеках")
    page.keyboard.press("Enter")
    page.wait_for_selector("ol.hits")
    assert "Знайдено:" in page.inner_text("h2#results-h")
    # nothing overflows sideways on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    page.screenshot(path=str(screenshot_dir / f"opac-results-{width}.png"), full_page=True)
    page.click("ol.hits a.hit-title >> nth=0")
    page.wait_for_selector("article.record")
    assert page.inner_text("#cite-h").startswith("Цитувати")
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    page.screenshot(path=str(screenshot_dir / f"opac-record-{width}.png"), full_page=True)
    page.close()


def test_keyboard_only_search(browser, demo_server):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{demo_server}/opac/")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.focus("#q")
    page.keyboard.type("Кобзар")
    page.keyboard.press("Enter")
    page.wait_for_selector("ol.hits")
    assert "Кобзар" in page.inner_text("ol.hits")
    page.close()
