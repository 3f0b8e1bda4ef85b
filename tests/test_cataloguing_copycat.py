"""Copy cataloguing end to end against a locally running SRU server (Kataloh's own /sru over
real HTTP), with format conversion on import; duplicates, merge and batch edit."""

import html as htmllib
import re

import pytest
from pymarc import Field, Indicators, Subfield

from tests.conftest import csrf_from
from tests.test_cataloguing_editor import marc21_book, unimarc_book

pytestmark = pytest.mark.db


def save(app, record, fmt, status="published"):
    from catalog.db import get_session
    from catalog.records.services import save_record

    with app.app_context():
        return save_record(get_session(), "test", record, fmt=fmt, status=status, validate=False,
                           library_code="UA-LuOUNB").id


def load(app, record_id):
    from catalog.db import get_session
    from catalog.models import Record
    from catalog.records.services import marc_of

    with app.app_context():
        rec = get_session().get(Record, record_id)
        return rec.format, rec.status, marc_of(rec), rec.version


def use_local_sru(app, live_server, fmt):
    # sru.service caches rendered records by (id, version) for the process; each test has a
    # fresh database whose record 1 is another record, so start with an empty cache.
    from sru import service

    service.RENDERER._cache.clear()
    app.config["SRU_TARGETS"] = [{"key": "local", "name": "Kataloh (this server)", "url": f"{live_server}/sru",
                                  "version": "1.2", "record_schema": "marcxml", "format": fmt,
                                  "indexes": {"any": "cql.anywhere", "title": "dc.title", "author": "dc.creator",
                                              "isbn": "bath.isbn", "subject": "dc.subject"}}]


def import_form(page: str, n: int = 0) -> dict:
    forms = re.findall(r'<form method="post" action="/cataloguing/copy/import">(.*?)</form>', page, re.S)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', forms[n]))
    return {k: htmllib.unescape(v) for k, v in fields.items()}


def test_copy_cataloguing_from_an_sru_server_converts_to_the_local_format(app, client, login, live_server):
    login("cataloguer")
    foreign_id = save(app, unimarc_book(title="Кобзар"), "unimarc")
    use_local_sru(app, live_server, "unimarc")
    app.config["CATALOGUE_FORMAT"] = "marc21"  # a MARC 21 library copying a UNIMARC record
    page = client.get("/cataloguing/copy?target=local&field=title&q=Кобзар")
    assert page.status_code == 200, page.get_data(as_text=True)[:1000]
    html = page.get_data(as_text=True)
    assert "Кобзар" in html and "$aКобзар" in html  # the preview shows the MARC
    form = import_form(html)
    assert form["source_format"] == "unimarc"
    # the ISBN is already in the catalogue: a duplicate warning, nothing saved yet
    warned = client.post("/cataloguing/copy/import", data=form)
    assert warned.status_code == 200
    text = warned.get_data(as_text=True)
    assert f"/cataloguing/records/{foreign_id}" in text and "245 00 $aКобзар" in text
    forced = client.post("/cataloguing/copy/import", data=import_form_confirm(text))
    assert forced.status_code == 302
    new_id = int(re.search(r"/records/(\d+)/marc", forced.headers["Location"]).group(1))
    fmt, status, marc, _ = load(app, new_id)
    assert (fmt, status) == ("marc21", "draft")
    assert marc["245"]["a"].startswith("Кобзар") and marc["020"]["a"].startswith("978-966-346-491-6")
    assert marc["080"]["a"] == "821.161.2-1"


def import_form_confirm(page: str) -> dict:
    form = re.search(r'<form method="post" action="/cataloguing/copy/import">(.*?)</form>', page, re.S).group(1)
    return {k: htmllib.unescape(v) for k, v in re.findall(r'name="(\w+)" value="([^"]*)"', form)}


def test_round_trip_unimarc_marc21_unimarc_on_import(app, client, login, live_server):
    """A MARC 21 record found over SRU comes into a UNIMARC catalogue; converting back keeps the fields."""
    from marc.convert import marc21_to_unimarc, unimarc_to_marc21
    from marc.extract import extract

    login("cataloguer")
    original = unimarc_book(title="Гайдамаки", isbn="978-966-03-4056-5")
    there = save(app, unimarc_to_marc21(original), "marc21")
    use_local_sru(app, live_server, "marc21")
    app.config["CATALOGUE_FORMAT"] = "unimarc"
    html = client.get("/cataloguing/copy?target=local&field=isbn&q=9789660340565").get_data(as_text=True)
    form = import_form(html)
    assert form["source_format"] == "marc21"
    forced = client.post("/cataloguing/copy/import", data={**form, "confirm_duplicate": "1"})
    assert forced.status_code == 302, forced.get_data(as_text=True)[:500]
    new_id = int(re.search(r"/records/(\d+)/marc", forced.headers["Location"]).group(1))
    fmt, _, marc, _ = load(app, new_id)
    assert fmt == "unimarc" and there != new_id
    before, after = extract(original, "unimarc"), extract(marc, "unimarc")
    for name in ("title", "isbn", "udc", "year", "languages", "place"):
        assert getattr(after, name) == getattr(before, name), name
    again = extract(marc21_to_unimarc(unimarc_to_marc21(marc)), "unimarc")
    assert (again.title, again.udc, again.isbn) == (before.title, before.udc, before.isbn)


def test_an_unreachable_target_is_reported(app, client, login):
    login("cataloguer")
    app.config["SRU_TARGETS"] = [{"key": "down", "name": "Down", "url": "http://127.0.0.1:9/sru"}]
    app.config["SRU_TIMEOUT"] = 2
    response = client.get("/cataloguing/copy?target=down&q=x")
    assert response.status_code == 502 and "SRU" in response.get_data(as_text=True)


def test_duplicate_warning_on_save_from_the_guided_form(app, client, login):
    login("cataloguer")
    existing = save(app, unimarc_book(title="Кобзар"), "unimarc")
    url = "/cataloguing/new?format=unimarc"
    fields = {"fmt": "unimarc", "publish": "1", "title": "Кобзар", "year": "1840", "isbn-0": "9789663464916",
              "udc-0": "821.161.2-1"}
    response = client.post(url, data={"csrf_token": csrf_from(client.get(url).get_data(as_text=True)), **fields})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and f"/cataloguing/records/{existing}" in html
    assert 'value="Кобзар"' in html  # nothing typed is lost
    saved = client.post(url, data={"csrf_token": csrf_from(html), **fields, "confirm_duplicate": "1"})
    assert saved.status_code == 302


def test_duplicates_by_title_year_author():
    from catalog.cataloguing.duplicates import normalise_title

    assert normalise_title("Кобзар : вибране.") == normalise_title("КОБЗАР вибране")
    assert normalise_title("Ґринджоли") == normalise_title("гринджоли")


def test_duplicate_found_by_normalised_title_year_and_author(app):
    from catalog.cataloguing.duplicates import find_duplicates
    from catalog.db import get_session

    a = marc21_book()
    a.add_ordered_field(Field(tag="100", indicators=Indicators("1", " "), subfields=[Subfield("a", "Шевченко, Тарас")]))
    first = save(app, a, "marc21")
    b = marc21_book()
    b["245"]["a"] = "КОБЗАР."
    b.add_ordered_field(Field(tag="100", indicators=Indicators("1", " "), subfields=[Subfield("a", "Шевченко, Тарас.")]))
    with app.app_context():
        found = find_duplicates(get_session(), b, "marc21")
    assert [(d.record.id, d.reason) for d in found] == [(first, "title")]


def test_merge_keeps_history_and_moves_parts(app, client, login):
    login("cataloguer")
    keep = save(app, unimarc_book(title="Кобзар"), "unimarc")
    gone = save(app, unimarc_book(title="Кобзар", isbn="978-966-03-4056-5"), "unimarc")
    part = unimarc_book(title="Катерина")
    part.add_ordered_field(Field(tag="463", indicators=Indicators(" ", "1"), subfields=[Subfield("1", f"001{gone}")]))
    part_id = save(app, part, "unimarc")
    page = client.get(f"/cataloguing/merge?keep={keep}&remove={gone}").get_data(as_text=True)
    response = client.post("/cataloguing/merge", data={"csrf_token": csrf_from(page), "keep": keep, "remove": gone})
    assert response.status_code == 302
    from catalog.db import get_session
    from catalog.models import Record

    with app.app_context():
        session = get_session()
        removed = session.get(Record, gone)
        assert removed.status == "deleted" and removed.versions[-1].comment == f"merged into {keep}"
        assert len(removed.versions) == 2
        assert session.get(Record, part_id).host_id == keep
        assert session.get(Record, keep).versions[-1].comment == f"merged from {gone}"


def test_batch_edit_preview_apply_and_undo(app, client, login):
    login("cataloguer")
    ids = [save(app, unimarc_book(title=f"Том {n}"), "unimarc") for n in range(3)]
    page = client.get("/cataloguing/batch").get_data(as_text=True)
    form = {"csrf_token": csrf_from(page), "id_list": " ".join(map(str, ids)), "op": "replace", "tag": "675",
            "code": "a", "match": "821.161.2-1", "value": "821.161.2-14"}
    preview = client.post("/cataloguing/batch", data={**form, "action": "preview"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and html.count("diff-changed") == 3 and "$a821.161.2-14" in html
    assert load(app, ids[0])[2]["675"]["a"] == "821.161.2-1"  # a preview changes nothing
    applied = client.post("/cataloguing/batch", data={**form, "action": "apply"})
    assert applied.status_code == 302
    assert all(load(app, i)[2]["675"]["a"] == "821.161.2-14" and load(app, i)[3] == 2 for i in ids)
    page = client.get("/cataloguing/batch").get_data(as_text=True)
    batch_id = re.search(r'name="batch" value="(\d+)"', page).group(1)
    undone = client.post("/cataloguing/batch/undo", data={"csrf_token": csrf_from(page), "batch": batch_id})
    assert undone.status_code == 302
    assert all(load(app, i)[2]["675"]["a"] == "821.161.2-1" and load(app, i)[3] == 3 for i in ids)
    assert 'name="batch"' not in client.get("/cataloguing/batch").get_data(as_text=True)  # one undo


def test_batch_add_and_delete():
    from catalog.cataloguing.batch import Edit, apply_edit

    record = unimarc_book()
    added = apply_edit(record, Edit("add", "606", "a", "Поезія"))
    assert added["606"]["a"] == "Поезія" and not record.get_fields("606")
    removed = apply_edit(added, Edit("delete", "606", "a"))
    assert not removed.get_fields("606")
    to_existing = apply_edit(record, Edit("add", "200", "e", "вибране", to_existing=True))
    assert to_existing["200"]["e"] == "вибране"
