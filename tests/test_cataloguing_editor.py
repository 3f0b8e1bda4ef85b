"""The MARC editor and the validation display: problems beside the field, input kept; row
operations without JavaScript; fixed-field helpers; history, diff, revert; stale saves."""

import re

import pymarc
import pytest
from pymarc import Field, Indicators, Subfield

from catalog.cataloguing import editor
from tests.conftest import csrf_from

pytestmark = pytest.mark.db


def unimarc_book(title="Кобзар", isbn="978-966-346-491-6", number=None) -> pymarc.Record:
    record = pymarc.Record(force_utf8=True)
    record.leader = "00000nam0 2200000   450 "
    if number:
        record.add_field(Field(tag="001", data=str(number)))
    record.add_field(Field(tag="010", indicators=Indicators(" ", " "), subfields=[Subfield("a", isbn)]))
    record.add_field(Field(tag="100", indicators=Indicators(" ", " "), subfields=[
        Subfield("a", "20240101d1840    k  y0ukry50      ca")]))
    record.add_field(Field(tag="101", indicators=Indicators("0", " "), subfields=[Subfield("a", "ukr")]))
    record.add_field(Field(tag="200", indicators=Indicators("1", " "), subfields=[
        Subfield("a", title), Subfield("f", "Т. Шевченко")]))
    record.add_field(Field(tag="210", indicators=Indicators(" ", " "), subfields=[
        Subfield("a", "Санкт-Петербург"), Subfield("d", "1840")]))
    record.add_field(Field(tag="675", indicators=Indicators(" ", " "), subfields=[Subfield("a", "821.161.2-1")]))
    record.add_field(Field(tag="801", indicators=Indicators(" ", "0"), subfields=[
        Subfield("a", "UA"), Subfield("b", "UA-LuOUNB"), Subfield("c", "20240101")]))
    return record


def marc21_book() -> pymarc.Record:
    record = pymarc.Record(force_utf8=True)
    record.leader = "00000nam a2200000 i 4500"
    record.add_field(Field(tag="008", data="240101s1840    un            000 0 ukr d"))
    record.add_field(Field(tag="040", indicators=Indicators(" ", " "), subfields=[Subfield("a", "UA-LuOUNB")]))
    record.add_field(Field(tag="080", indicators=Indicators(" ", " "), subfields=[Subfield("a", "821.161.2-1")]))
    record.add_field(Field(tag="245", indicators=Indicators("1", "0"), subfields=[Subfield("a", "Кобзар")]))
    return record


def form_of(record: pymarc.Record, csrf: str, fmt: str, action: str = "publish", version="") -> dict:
    data = {"csrf_token": csrf, "leader": str(record.leader), "fmt": fmt, "version": str(version), action: "1"}
    for n, row in enumerate(editor.rows_of(record)):
        data[f"f-{n}-tag"] = row.tag
        if row.is_control:
            data[f"f-{n}-data"] = row.data
            continue
        data[f"f-{n}-i1"], data[f"f-{n}-i2"] = row.ind1, row.ind2
        for m, (code, value) in enumerate(row.subfields):
            data[f"f-{n}-s-{m}-code"], data[f"f-{n}-s-{m}-value"] = code, value
    return data


@pytest.fixture
def cataloguer(client, login):
    login("cataloguer")
    return client


def token(client, url="/cataloguing/new/marc?format=unimarc"):
    return csrf_from(client.get(url).get_data(as_text=True))


def post_editor(client, record, fmt="unimarc", url=None, **kw):
    url = url or f"/cataloguing/new/marc?format={fmt}"
    return client.post(url, data=form_of(record, token(client, url), fmt, **kw))


def saved_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/records/(\d+)", response.headers["Location"]).group(1))


def problem_beside(html: str, tag: str) -> str:
    """The text of the editor row for ``tag`` (its problems are listed inside the row)."""
    rows = re.findall(r'<li class="marc-row[^"]*" id="row-\d+">(.*?)</li>\s*(?=<li class="marc-row|</ol>)', html, re.S)
    found = [r for r in rows if f'value="{tag}" size="3"' in r]
    assert found, f"no row for {tag}"
    return found[0]


def test_a_valid_unimarc_record_is_published_from_the_editor(app, cataloguer):
    record_id = saved_id(post_editor(cataloguer, unimarc_book()))
    html = cataloguer.get(f"/cataloguing/records/{record_id}/marc").get_data(as_text=True)
    assert 'value="Кобзар"' in html
    assert "Назва та відомості про відповідальність" in html  # field names from the profile


def test_missing_title_field_is_shown_and_input_kept(cataloguer):
    record = unimarc_book()
    record.remove_field(record["200"])
    response = post_editor(cataloguer, record)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "200" in html and "Відсутнє обов" in html
    assert 'value="Санкт-Петербург"' in html  # what was typed is still there


def test_missing_245_in_marc21_guided_form_is_shown_beside_the_title(cataloguer):
    url = "/cataloguing/new?format=marc21"
    page = cataloguer.get(url).get_data(as_text=True)
    response = cataloguer.post(url, data={"csrf_token": csrf_from(page), "fmt": "marc21", "publish": "1",
                                          "title": "", "publisher": "Знання", "year": "2008", "udc-0": "51"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    title_block = html[html.index('for="f-title"'):html.index('for="f-subtitle"')]
    assert "245" in title_block and 'aria-invalid="true"' in title_block
    assert 'value="Знання"' in html


def test_invalid_indicator_is_shown_beside_its_field(cataloguer):
    record = unimarc_book()
    record["200"].indicators = Indicators("7", " ")
    response = post_editor(cataloguer, record)
    assert response.status_code == 422
    row = problem_beside(response.get_data(as_text=True), "200")
    assert 'class="problems"' in row and "ind1" in row
    assert '<option value="7" selected>7 ?</option>' in row  # the wrong value is kept, marked


def test_repeated_non_repeatable_field_is_refused(cataloguer):
    record = unimarc_book()
    record.add_ordered_field(Field(tag="200", indicators=Indicators("1", " "), subfields=[Subfield("a", "Друга назва")]))
    response = post_editor(cataloguer, record)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "неповторюване" in html.lower() or "не повтор" in html.lower() or "повторю" in html.lower()
    assert 'value="Друга назва"' in html


def test_bad_isbn_check_digit_in_the_guided_form(cataloguer):
    url = "/cataloguing/new?format=unimarc"
    page = cataloguer.get(url).get_data(as_text=True)
    response = cataloguer.post(url, data={"csrf_token": csrf_from(page), "fmt": "unimarc", "publish": "1",
                                          "title": "Кобзар", "year": "1840", "isbn-0": "978-966-346-491-7",
                                          "udc-0": "821.161.2-1"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "контрольна цифра" in html
    assert 'value="978-966-346-491-7" aria-invalid="true"' in html


def test_malformed_fixed_fields_are_shown(cataloguer):
    record = unimarc_book()
    record["100"]["a"] = "2024"  # far too short
    response = post_editor(cataloguer, record)
    assert response.status_code == 422
    row = problem_beside(response.get_data(as_text=True), "100")
    assert 'class="problems"' in row and "36" in row
    bad = marc21_book()
    bad.leader = "00000nam a22"
    response = post_editor(cataloguer, bad, fmt="marc21")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    leader_block = html[html.index('for="leader"'):html.index('class="marc-rows"')]
    assert 'class="problems"' in leader_block


def test_a_draft_with_problems_is_saved(app, cataloguer):
    record = unimarc_book()
    record.remove_field(record["200"])
    record_id = saved_id(post_editor(cataloguer, record, action="draft"))
    html = cataloguer.get(f"/cataloguing/records/{record_id}").get_data(as_text=True)
    assert "draft" in html and "200" in html


def test_row_operations_work_without_javascript(cataloguer):
    data = form_of(unimarc_book(), token(cataloguer), "unimarc", action="x")
    rows = editor.rows_from_form(data)[1]
    assert [r.tag for r in rows] == ["010", "100", "101", "200", "210", "675", "801"]
    for op, expect in [("add-field", 'id="f-7-tag"'), ("del:0", 'id="f-0-tag" name="f-0-tag" value="100"'),
                       ("down:0", 'id="f-1-tag" name="f-1-tag" value="010"'), ("add-sub:3", 'id="f-3-s-2-code"')]:
        response = cataloguer.post("/cataloguing/new/marc?format=unimarc", data={**data, "op": op})
        assert response.status_code == 200
        assert expect in response.get_data(as_text=True), op


def test_fixed_field_helper_changes_one_position(app, cataloguer):
    record = unimarc_book()
    data = form_of(record, token(cataloguer), "unimarc")
    data["fxorig-leader"] = str(record.leader)
    data["fx-leader-7"] = "s"  # bibliographic level: serial
    record_id = saved_id(cataloguer.post("/cataloguing/new/marc?format=unimarc", data=data))
    from catalog.db import get_session
    from catalog.models import Record
    from catalog.records.services import marc_of

    with app.app_context():
        assert str(marc_of(get_session().get(Record, record_id)).leader)[7] == "s"


def test_history_diff_and_revert(app, cataloguer):
    record_id = saved_id(post_editor(cataloguer, unimarc_book()))
    url = f"/cataloguing/records/{record_id}/marc"
    changed = unimarc_book(title="Кобзар. Гайдамаки", number=record_id)
    saved_id(post_editor(cataloguer, changed, url=url, version=1))
    html = cataloguer.get(f"/cataloguing/records/{record_id}/history?a=1&b=2").get_data(as_text=True)
    assert "diff-changed" in html and "Кобзар. Гайдамаки" in html and "$aКобзар$f" in html
    page = cataloguer.get(f"/cataloguing/records/{record_id}/history").get_data(as_text=True)
    response = cataloguer.post(f"/cataloguing/records/{record_id}/revert",
                               data={"csrf_token": csrf_from(page), "to": "1", "version": "2"})
    assert response.status_code == 302
    from catalog.db import get_session
    from catalog.models import Record
    from catalog.records.services import marc_of

    with app.app_context():
        rec = get_session().get(Record, record_id)
        assert rec.version == 3 and marc_of(rec)["200"]["a"] == "Кобзар"
        assert [v.comment for v in rec.versions][-1] == "revert to version 1"


def test_diff_is_field_level():
    from catalog.cataloguing.history import diff_records

    old, new = unimarc_book(), unimarc_book(title="Гайдамаки")
    new.remove_field(new["675"])
    new.add_ordered_field(Field(tag="606", indicators=Indicators(" ", " "), subfields=[Subfield("a", "Поезія")]))
    ops = {(c.op, c.tag) for c in diff_records(old, new, context=False)}
    assert ops == {("changed", "200"), ("removed", "675"), ("added", "606")}


def test_a_stale_save_is_refused_with_the_diff_and_nothing_lost(app, client, login):
    login("cataloguer")
    record_id = saved_id(post_editor(client, unimarc_book()))
    url = f"/cataloguing/records/{record_id}/guided"
    page = client.get(url).get_data(as_text=True)
    csrf = csrf_from(page)
    # another cataloguer saves version 2 meanwhile
    other = unimarc_book(title="Кобзар (інша редакція)", number=record_id)
    saved_id(post_editor(client, other, url=f"/cataloguing/records/{record_id}/marc", version=1))
    stale = {"csrf_token": csrf, "version": "1", "publish": "1", "fmt": "unimarc", "title": "Кобзар: вибране",
             "responsibility": "Т. Шевченко", "year": "1840", "place": "Санкт-Петербург", "udc-0": "821.161.2-1",
             "isbn-0": "978-966-346-491-6"}
    response = client.post(url, data=stale)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert 'value="Кобзар: вибране"' in html  # the typed title is still in the form
    assert "Кобзар (інша редакція)" in html  # the diff shows what the other save changed
    assert 'name="version" value="2"' in html
    from catalog.db import get_session
    from catalog.models import Record
    from catalog.records.services import marc_of

    with app.app_context():
        assert marc_of(get_session().get(Record, record_id))["200"]["a"] == "Кобзар (інша редакція)"
    # saving again after reading the diff replaces it on purpose
    again = client.post(url, data={**stale, "version": "2"})
    assert again.status_code == 302
    with app.app_context():
        rec = get_session().get(Record, record_id)
        assert marc_of(rec)["200"]["a"] == "Кобзар: вибране" and rec.version == 3


@pytest.mark.parametrize("path,fmt", [("irbis/test1.iso", "unimarc"),
                                      ("folio-mod-source-record-manager/CornellFOLIOExemplars_Bibs.mrc", "marc21")])
def test_both_editors_open_real_imported_records(app, cataloguer, path, fmt):
    """Any record opens in the guided form and the MARC editor; saving from the form keeps its other fields."""
    from pathlib import Path

    from marc.io import read_records

    item = next(i for i in read_records(Path(__file__).parent / "data" / path) if i.record is not None)
    record_id = None
    from catalog.db import get_session
    from catalog.records.services import save_record

    with app.app_context():
        record_id = save_record(get_session(), "import", item.record, fmt=item.format, status="draft",
                                validate=False).id
    assert item.format == fmt
    guided_page = cataloguer.get(f"/cataloguing/records/{record_id}/guided")
    editor_page = cataloguer.get(f"/cataloguing/records/{record_id}/marc")
    assert guided_page.status_code == 200 and editor_page.status_code == 200
    tags_before = {f.tag for f in item.record.fields} - {"005"}
    html = guided_page.get_data(as_text=True)
    import lxml.html

    form = next(f for f in lxml.html.fromstring(html).forms if f.get("class", "").startswith("form guided"))
    values = dict(form.form_values())  # what a browser submits (buttons aside)
    saved = cataloguer.post(f"/cataloguing/records/{record_id}/guided", data={**values, "draft": "1"})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:1500]
    from catalog.models import Record
    from catalog.records.services import marc_of

    with app.app_context():
        after = marc_of(get_session().get(Record, record_id))
    kept = tags_before - {f.tag for f in after.fields}
    assert not kept, f"fields lost: {kept}"


def test_serial_issue_and_e_resource_forms_build_their_fields():
    from catalog.cataloguing.guided import GuidedData, build

    serial = GuidedData(material="serial", title="Бібліотечний форум", issn="2518-7341", numbering="2024, № 3", year="2024")
    u = build(serial, "unimarc", library_code="UA-LuOUNB")
    assert str(u.leader)[7] == "s" and u["011"]["a"] == "2518-7341" and u["207"]["a"] == "2024, № 3"
    m = build(serial, "marc21", library_code="UA-LuOUNB")
    assert str(m.leader)[7] == "s" and m["022"]["a"] == "2518-7341" and m["362"]["a"] == "2024, № 3"
    online = GuidedData(material="e-resource", title="Електронний каталог", url="https://example.org/ek", year="2023")
    u = build(online, "unimarc")
    assert str(u.leader)[6] == "l" and u["856"]["u"] == "https://example.org/ek"
    m = build(online, "marc21")
    assert str(m.leader)[6] == "m" and m["008"].data[23] == "o" and m["856"].indicator2 == "0"
