"""The cataloguing workbench through Flask's test client with CSRF on: guided forms in UNIMARC and
MARC 21, analytics, UDC, authority-linked subjects, validation shown beside the field."""

import re

import pytest

from tests.conftest import csrf_from

pytestmark = pytest.mark.db


def guided_post(client, url, fields, action="publish"):
    page = client.get(url)
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    data = {"csrf_token": csrf_from(page.get_data(as_text=True)), action: "1"}
    version = re.search(r'name="version" value="(\d*)"', page.get_data(as_text=True))
    data["version"] = version.group(1) if version else ""
    data.update(fields)
    return client.post(url, data=data)


BOOK = {
    "material": "book", "title": "Вища математика", "subtitle": "математичний аналіз і теорія ймовірностей",
    "responsibility": "П. Л. Свердан", "place": "Київ", "publisher": "Знання", "year": "2008", "pages": "450 с.",
    "isbn-0": "978-966-346-491-6", "language": "ukr", "udc-0": "517(075.8)",
    "name-0-text": "Свердан, Павло Левкович", "name-0-role": "author",
    "subject-0-kind": "topical", "subject-0-heading": "Математичний аналіз -- Підручники",
}


def stored(app, record_id):
    from catalog.db import get_session
    from catalog.models import Record
    from catalog.records.services import marc_of

    with app.app_context():
        rec = get_session().get(Record, record_id)
        return rec.status, rec.format, marc_of(rec), rec.host_id, rec.version


def record_id_of(response):
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(re.search(r"/records/(\d+)", response.headers["Location"]).group(1))


def test_workbench_needs_the_cataloguer_role(client, login):
    assert client.get("/cataloguing/").status_code in (302, 401)
    login("reader-services")
    assert client.get("/cataloguing/").status_code == 403


def test_workbench_home_lists_records_and_offers_new_ones(client, login):
    login("cataloguer")
    html = client.get("/cataloguing/").get_data(as_text=True)
    assert 'action="/cataloguing/new"' in html
    assert "UNIMARC" in html and "MARC21" in html
    assert 'lang="uk"' in html


def test_unimarc_book_through_the_guided_form(app, client, login):
    login("cataloguer")
    response = guided_post(client, "/cataloguing/new?format=unimarc&material=book", {"fmt": "unimarc", **BOOK})
    record_id = record_id_of(response)
    status, fmt, marc, _, version = stored(app, record_id)
    assert (status, fmt, version) == ("published", "unimarc", 1)
    assert marc["200"]["a"] == "Вища математика"
    assert marc["200"]["e"] == "математичний аналіз і теорія ймовірностей"
    assert marc["010"]["a"] == "978-966-346-491-6"
    assert marc["210"]["c"] == "Знання" and marc["210"]["d"] == "2008"
    assert marc["675"]["a"] == "517(075.8)"
    assert marc["700"]["a"] == "Свердан" and marc["700"]["b"] == "П. Л."
    assert marc["606"]["a"] == "Математичний аналіз" and marc["606"]["x"] == "Підручники"
    assert marc["001"].data == str(record_id)
    assert marc["100"]["a"][9:13] == "2008"
    page = client.get(f"/cataloguing/records/{record_id}").get_data(as_text=True)
    assert "Вища математика" in page and "Свердан" in page


def test_marc21_book_through_the_guided_form(app, client, login):
    login("cataloguer")
    response = guided_post(client, "/cataloguing/new?format=marc21", {"fmt": "marc21", **BOOK})
    record_id = record_id_of(response)
    status, fmt, marc, _, _ = stored(app, record_id)
    assert (status, fmt) == ("published", "marc21")
    assert marc["245"]["a"].startswith("Вища математика")
    assert marc["245"].indicator1 == "1"
    assert marc["100"]["a"] == "Свердан, Павло Левкович"
    assert marc["020"]["a"] == "978-966-346-491-6"
    assert marc["080"]["a"] == "517(075.8)"
    assert marc["264"]["c"] == "2008"
    assert marc["650"]["a"] == "Математичний аналіз"
    assert marc["008"].data[7:11] == "2008" and marc["008"].data[35:38] == "ukr"
    assert len(marc["008"].data) == 40


def test_the_guided_form_reopens_a_record_and_keeps_unmanaged_fields(app, client, login):
    login("cataloguer")
    record_id = record_id_of(guided_post(client, "/cataloguing/new?format=unimarc", {"fmt": "unimarc", **BOOK}))
    edit = guided_post(client, f"/cataloguing/records/{record_id}/guided",
                       {**BOOK, "fmt": "unimarc", "edition": "2-ге вид.", "udc-0": "517", "udc-1": "519.2"})
    assert record_id_of(edit) == record_id
    _, _, marc, _, version = stored(app, record_id)
    assert version == 2
    assert marc["205"]["a"] == "2-ге вид."
    assert [f["a"] for f in marc.get_fields("675")] == ["517", "519.2"]
    assert marc["001"].data == str(record_id)  # not managed by the form: kept


def test_analytic_chapter_is_linked_to_its_host_both_ways(app, client, login):
    login("cataloguer")
    host_id = record_id_of(guided_post(client, "/cataloguing/new?format=unimarc", {"fmt": "unimarc", **BOOK}))
    form_page = client.get(f"/cataloguing/new?host={host_id}").get_data(as_text=True)
    assert f'value="{host_id}"' in form_page and "Вища математика" in form_page
    chapter = {"fmt": "unimarc", "material": "article", "title": "Границя послідовності",
               "responsibility": "П. Л. Свердан", "host_id": str(host_id), "host_pages": "С. 15–30",
               "year": "2008", "language": "ukr", "udc-0": "517.2", "name-0-text": "Свердан, Павло Левкович"}
    part_id = record_id_of(guided_post(client, f"/cataloguing/new?host={host_id}", chapter))
    _, _, marc, host_link, _ = stored(app, part_id)
    assert host_link == host_id
    link = marc["463"]
    assert link["v"] == "С. 15–30"
    assert f"001{host_id}" in link.get_subfields("1")
    assert str(marc.leader)[7] == "a"
    host_page = client.get(f"/cataloguing/records/{host_id}").get_data(as_text=True)
    assert "Границя послідовності" in host_page
    part_page = client.get(f"/cataloguing/records/{part_id}").get_data(as_text=True)
    assert f'/cataloguing/records/{host_id}"' in part_page


def test_marc21_analytic_uses_773(app, client, login):
    login("cataloguer")
    host_id = record_id_of(guided_post(client, "/cataloguing/new?format=marc21", {"fmt": "marc21", **BOOK}))
    part_id = record_id_of(guided_post(client, f"/cataloguing/new?host={host_id}&format=marc21", {
        "fmt": "marc21", "material": "article", "title": "Границя послідовності", "host_id": str(host_id),
        "host_pages": "P. 15-30", "year": "2008", "udc-0": "517.2"}))
    _, _, marc, host_link, _ = stored(app, part_id)
    assert marc["773"]["w"] == str(host_id) and marc["773"]["g"] == "P. 15-30"
    assert host_link == host_id


def test_subject_headings_link_to_authorities(app, client, login):
    login("cataloguer")
    page = client.get("/cataloguing/authorities?format=unimarc").get_data(as_text=True)
    response = client.post("/cataloguing/authorities", data={
        "csrf_token": csrf_from(page), "format": "unimarc", "kind": "topical", "heading": "Математичний аналіз"})
    assert response.status_code == 302
    auth_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    suggestions = client.get("/cataloguing/authorities/suggest?q=матем&kind=topical").get_json()
    assert suggestions[0] == {"id": auth_id, "heading": "Математичний аналіз", "kind": "topical", "format": "unimarc"}
    # typed exactly: linked automatically; typed with the number: authorised form taken
    record_id = record_id_of(guided_post(client, "/cataloguing/new?format=unimarc", {"fmt": "unimarc", **BOOK,
                             "subject-0-heading": "математичний аналіз -- Підручники", "subject-0-auth": str(auth_id)}))
    _, _, marc, _, _ = stored(app, record_id)
    assert marc["606"]["a"] == "Математичний аналіз" and marc["606"]["3"] == str(auth_id)
    assert marc["606"]["x"] == "Підручники"
    authority_page = client.get(f"/cataloguing/authorities/{auth_id}").get_data(as_text=True)
    assert f"/cataloguing/records/{record_id}" in authority_page
    # renaming the authority and updating the records that use it
    edit = client.post(f"/cataloguing/authorities/{auth_id}", data={
        "csrf_token": csrf_from(authority_page), "kind": "topical", "heading": "Аналіз математичний", "version": "1"})
    assert edit.status_code == 302
    update = client.post(f"/cataloguing/authorities/{auth_id}/update-records",
                         data={"csrf_token": csrf_from(authority_page)})
    assert update.status_code == 302
    _, _, marc, _, version = stored(app, record_id)
    assert marc["606"]["a"] == "Аналіз математичний" and marc["606"]["x"] == "Підручники" and version == 2


def test_marc21_subject_links_with_dollar_0(app, client, login):
    login("cataloguer")
    page = client.get("/cataloguing/authorities?format=marc21").get_data(as_text=True)
    response = client.post("/cataloguing/authorities", data={
        "csrf_token": csrf_from(page), "format": "marc21", "kind": "geographic", "heading": "Луганськ"})
    auth_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    record_id = record_id_of(guided_post(client, "/cataloguing/new?format=marc21", {"fmt": "marc21", **BOOK,
                             "subject-1-kind": "geographic", "subject-1-heading": "Луганськ"}))
    _, _, marc, _, _ = stored(app, record_id)
    assert marc["651"]["a"] == "Луганськ" and marc["651"]["0"] == f"(UA-LuOUNB){auth_id}"


def test_udc_browser_shows_classes_with_ukrainian_captions(client, login):
    login("cataloguer")
    html = client.get("/cataloguing/udc").get_data(as_text=True)
    assert "Математика" in html
    html = client.get("/cataloguing/udc?code=5").get_data(as_text=True)
    assert "51" in html
    assert "Математика" in client.get("/cataloguing/udc?q=математ").get_data(as_text=True)


def test_the_workbench_speaks_ukrainian_by_default(client, login):
    login("cataloguer")
    html = client.get("/cataloguing/").get_data(as_text=True)
    assert "Робоче місце каталогізатора" in html
    guided = client.get("/cataloguing/new?format=unimarc").get_data(as_text=True)
    assert "Основна назва" in guided and "Опублікувати" in guided and "Предметна рубрика" in guided
    client.get("/lang/en")
    assert "Cataloguing workbench" in client.get("/cataloguing/").get_data(as_text=True)


def test_a_saved_record_reaches_the_search_index(app, client, login):
    login("cataloguer")
    response = guided_post(client, "/cataloguing/new?format=unimarc", {"fmt": "unimarc", **BOOK})
    record_id = record_id_of(response)
    from catalog.db import get_session
    from catalog.indexing import get_index, queued_count
    from search.query import Query

    with app.app_context():  # indexed before the page came back: searchable at once
        assert queued_count(get_session()) == 0
        assert record_id in [int(i) for i in get_index().search(Query(text="Свердан")).ids]


@pytest.mark.parametrize("fmt", ["unimarc", "marc21"])
def test_host_links_survive_export_and_import(app, client, login, fmt):
    from catalog.db import get_session
    from catalog.records.services import save_record
    from marc.io import read_records, write_records

    login("cataloguer")
    host_id = record_id_of(guided_post(client, f"/cataloguing/new?format={fmt}", {"fmt": fmt, **BOOK}))
    part_id = record_id_of(guided_post(client, f"/cataloguing/new?host={host_id}&format={fmt}", {
        "fmt": fmt, "material": "article", "title": "Границя послідовності", "host_id": str(host_id),
        "host_pages": "С. 15–30", "year": "2008", "udc-0": "517.2"}))
    _, _, part, _, _ = stored(app, part_id)
    for serialization in ("iso2709", "marcxml"):
        again = next(read_records(write_records([part], serialization), fmt=fmt)).record
        again.remove_field(again["001"])
        with app.app_context():
            copy = save_record(get_session(), "import", again, fmt=fmt, status="draft")
            assert copy.host_id == host_id, serialization
