"""Plan indicators counted from a year of real work: records saved through ``save_record`` by two
cataloguers in different months, copies and e-resources received and written off through the
acquisitions services. Each indicator is checked per month, quarter, year and person."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine

from catalog.acquisitions import services as acq
from catalog.cataloguing.authorities import build_authority
from catalog.cataloguing.guided import GuidedData, Subject, build
from catalog.models import User
from catalog.plan import services as plan
from catalog.records.importer import import_files
from catalog.records.services import load_record, marc_of, save_record, set_status

DATA = Path(__file__).resolve().parent / "data"
LIB = "UA-LOUNB"


def at(year, month, day=15):
    return time_machine.travel(datetime(year, month, day, 10, 0, tzinfo=UTC), tick=False)


def book(title, udc=(), subjects=(), **extra):
    data = GuidedData(material=extra.pop("material", "book"), title=title, place="Київ", publisher="Наукова думка",
                      year="2022", pages="120 с.", language="ukr", udc=list(udc),
                      subjects=[Subject(kind="topical", heading=s) for s in subjects], **extra)
    return build(data, "unimarc", library_code=LIB)


def new(session, who, marc_record, status="published"):
    return save_record(session, who, marc_record, fmt="unimarc", status=status, library_code=LIB)


def edit(session, who, record_id, change):
    record = load_record(session, record_id)
    marc = marc_of(record)
    change(marc)
    return save_record(session, who, marc, fmt="unimarc", record_id=record_id, status=record.status)


def add_udc(marc):
    import pymarc

    marc.add_ordered_field(pymarc.Field(tag="675", indicators=[" ", " "], subfields=[pymarc.Subfield("a", "94(477)")]))


def retitle(marc):
    marc["200"]["a"] = marc["200"]["a"] + " (2-ге вид.)"


@pytest.fixture
def year_of_work(app, db, make_user):
    """A year (2023) of catalogue and accounting work by olena (ВФФіЕК) and petro (ВНМР)."""
    for name, department in (("olena", "ВФФіЕК"), ("petro", "ВНМР")):
        make_user(name, "cataloguer")
        db.query(User).filter_by(username=name).one().department = department
    db.commit()
    with at(2022, 12, 20):  # the year before: not counted, but its edit in January is
        old = new(db, "olena", book("Стара книга", udc=["821.161.2"]))
        old_receipt = acq.create_receipt(db, "olena", received_on=date(2022, 12, 28), source_type="donation")
        acq.receive_copies(db, "olena", old_receipt, old.id, 2)
    with at(2023, 1, 10):
        edit(db, "petro", old.id, retitle)  # edit (petro, January)
    with at(2023, 2, 3):
        host = new(db, "olena", book("Луганщина: історія краю", udc=["94(477.61)"], subjects=["Луганська область -- Історія"]))
        plain = new(db, "olena", book("Збірник без класифікації"))
        save_record(db, "olena", build_authority("topical", "Краєзнавство", "unimarc"), fmt="unimarc", kind="authority",
                    status="draft")  # not a bibliographic record
    with at(2023, 3, 9):
        edit(db, "petro", plain.id, add_udc)  # edit + classified (petro, March)
        receipt = acq.create_receipt(db, "olena", received_on=date(2023, 3, 10), source_type="ukrainian_book_institute")
        march_copies = acq.receive_copies(db, "olena", receipt, host.id, 5, price="150.00")
    with at(2023, 3, 20):
        acq.update_copy(db, "olena", march_copies[4], barcode="")  # lost its barcode: not processed
    with at(2023, 5, 12):
        article = new(db, "petro", book("Ремесла Старобільщини", subjects=["Народні промисли"], material="article",
                                         host_id=str(host.id), host_control=host.control_number, host_title=host.title,
                                         host_pages="С. 10-25"))
        draft = new(db, "petro", book("Чернетка з УДК", udc=["02"]), status="draft")
    with at(2023, 6, 1):
        set_status(db, "olena", draft.id, "published")  # publishing a draft is not an edit
    with at(2023, 7, 7):
        edit(db, "olena", host.id, retitle)  # edit (olena, July)
    with at(2023, 8, 8):
        report = import_files(db, "olena", [DATA / "qa-catalogue" / "short.bnr.1993.mrc"], workers=0)
        assert report.imported >= 1  # legacy data: neither catalogued nor classified nor edited
    with at(2023, 9, 1):
        mistake = new(db, "olena", book("Помилковий запис", udc=["0"]))
        set_status(db, "olena", mistake.id, "deleted")  # deleted since: not catalogued
    with at(2023, 11, 20):
        autumn = acq.create_receipt(db, "petro", received_on=date(2023, 11, 20), source_type="donation")
        acq.receive_copies(db, "petro", autumn, plain.id, 3, barcodes=["4820000000011"])
        acq.receive_eresource(db, "petro", autumn, article.id, url="https://example.org/a.pdf")
        acq.receive_eresource(db, "petro", autumn, plain.id, url="https://example.org/b.pdf")
    with at(2023, 12, 5):
        act = acq.create_act(db, "olena", act_date=date(2023, 12, 5), reason="worn")
        acq.add_to_act(db, "olena", act, march_copies[:2])
        acq.confirm_act(db, "olena", act)
    with at(2024, 1, 15):  # the year after: not counted in 2023
        new(db, "olena", book("Нова книга", udc=["37"], subjects=["Освіта"]))
    return {"host": host, "plain": plain, "article": article}


EXPECTED_MONTHS = {
    # indicator: {month: count}
    "copies_received": {3: 5, 11: 3},
    "technical_processing": {3: 4, 11: 3},
    "eresources_received": {11: 2},
    "catalogued": {2: 2, 5: 2},
    "classified": {2: 1, 3: 1, 5: 1},
    "subject_indexed": {2: 1, 5: 1},
    "analytics": {5: 1},
    "edits": {1: 1, 3: 1, 7: 1},
    "withdrawn": {12: 2},
}

EXPECTED_PEOPLE = {
    "olena": {"copies_received": 5, "technical_processing": 4, "eresources_received": 0, "catalogued": 2,
              "classified": 1, "subject_indexed": 1, "analytics": 0, "edits": 1, "withdrawn": 2},
    "petro": {"copies_received": 3, "technical_processing": 3, "eresources_received": 2, "catalogued": 2,
              "classified": 2, "subject_indexed": 1, "analytics": 1, "edits": 2, "withdrawn": 0},
}


def test_each_indicator_per_month_quarter_year_person_and_department(year_of_work, db):
    actuals = plan.count_actuals(db, 2023)
    for key, months in EXPECTED_MONTHS.items():
        assert actuals.months(key) == [months.get(m, 0) for m in range(1, 13)], key
        quarters = [sum(months.get(m, 0) for m in range(3 * q - 2, 3 * q + 1)) for q in range(1, 5)]
        assert [actuals.quarter(key, q) for q in range(1, 5)] == quarters, key
        assert actuals.total(key) == sum(months.values()), key
    assert set(actuals.actors()) == {"olena", "petro"}
    for person, counts in EXPECTED_PEOPLE.items():
        assert {k: actuals.by_actor(k, person) for k in plan.BY_KEY} == counts, person
    report = plan.build_report(db, 2023, today=date(2024, 2, 1))
    departments = dict(report.departments)
    assert departments["ВФФіЕК"] == EXPECTED_PEOPLE["olena"]
    assert departments["ВНМР"] == EXPECTED_PEOPLE["petro"]
    only_petro = plan.build_report(db, 2023, department="ВНМР")
    assert {r.indicator.key: r.total for r in only_petro.rows} == EXPECTED_PEOPLE["petro"]
    assert all(r.target.value is None for r in only_petro.rows)  # departments have no default targets
    # the neighbouring years hold their own work
    before, after = plan.count_actuals(db, 2022), plan.count_actuals(db, 2024)
    assert before.total("copies_received") == 2 and before.months("copies_received")[11] == 2
    assert before.total("catalogued") == 1 and before.total("edits") == 0
    assert after.total("catalogued") == after.total("classified") == after.total("subject_indexed") == 1
    assert after.months("catalogued")[0] == 1


def test_seed_targets_are_the_default_until_the_administrator_sets_one(app, db):
    targets = plan.targets_for(db, 2023)
    assert {k: t.value for k, t in targets.items()} == {
        "copies_received": 1000, "eresources_received": 20, "technical_processing": 1000, "catalogued": 1020,
        "classified": 1020, "subject_indexed": 1020, "analytics": 100, "edits": 1100, "withdrawn": None}
    assert targets["catalogued"].source == "default"
    plan.set_target(db, "admin", 2023, "catalogued", 1200)
    plan.set_target(db, "admin", 2023, "withdrawn", 300)
    plan.set_target(db, "admin", 2023, "catalogued", 900, department="ВФФіЕК")
    targets = plan.targets_for(db, 2023)
    assert (targets["catalogued"].value, targets["catalogued"].source) == (1200, "set")
    assert targets["withdrawn"].value == 300 and targets["edits"].source == "default"
    assert plan.targets_for(db, 2023, "ВФФіЕК")["catalogued"].value == 900
    plan.set_target(db, "admin", 2023, "catalogued", None)  # cleared: back to the seed figure
    assert plan.targets_for(db, 2023)["catalogued"].value == 1020
    from catalog.models import AuditEntry

    assert db.query(AuditEntry).filter_by(action="plan.target").count() == 4


def test_set_target_refuses_nonsense(app, db):
    from catalog.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        plan.set_target(db, "admin", 2023, "loans", 5)
    with pytest.raises(ValidationFailed):
        plan.set_target(db, "admin", 2023, "edits", -1)


def test_progress_of_the_report(year_of_work, app, db):
    report = plan.build_report(db, 2023)
    rows = {r.indicator.key: r for r in report.rows}
    assert rows["copies_received"].target.value == 1000 and rows["copies_received"].total == 8
    assert rows["copies_received"].percent == 1
    assert rows["analytics"].percent == 1 and rows["withdrawn"].percent is None
    with app.test_request_context():
        data = plan.report_json(report)
    assert data["indicators"][0]["months"][2] == 5
    assert {p["username"] for p in data["people"]} == {"olena", "petro"}


def test_has_heading_reads_marc_in_json():
    from marc.io import record_to_json

    with_udc = record_to_json(book("A", udc=["94(477)"]))
    assert plan.has_heading(with_udc, ("675",), "a")
    assert not plan.has_heading(record_to_json(book("B")), ("675",), "a")
    assert plan.has_heading(record_to_json(book("C", subjects=["Історія"])), plan.SUBJECT_TAGS["unimarc"])
    assert not plan.has_heading(None, ("675",))
