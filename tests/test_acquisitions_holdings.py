"""Holdings round trip: copies exported as Koha UNIMARC 995 / MARC 21 952 and read back on import."""

from datetime import date
from decimal import Decimal

import pymarc
import pytest
from sqlalchemy import select

from catalog.acquisitions import holdings, services
from catalog.acquisitions.models import Copy, NumberSequence
from marc.io import read_records
from tests.test_acquisitions_services import CORNELL, UKRAINIAN, store


def test_copy_fields_follow_koha_subfields():
    copy = Copy(inventory_number="Р-15", barcode="2900000000155", call_number="51 С24", location="rare",
                price=Decimal("245.50"), status="occupied_territory", material_type="book",
                accessioned_on=date(2021, 5, 20))
    uni = holdings.copy_field(copy, "unimarc", "UA-LuOUNB")
    assert uni.tag == "995"
    assert [(s.code, s.value) for s in uni.subfields] == [
        ("b", "UA-LuOUNB"), ("c", "UA-LuOUNB"), ("e", "rare"), ("f", "2900000000155"), ("j", "Р-15"), ("k", "51 С24"),
        ("5", "2021-05-20"), ("p", "245.50"), ("r", "BK"), ("2", "5")]
    m21 = holdings.copy_field(copy, "marc21", "UA-LuOUNB")
    assert m21.tag == "952"
    assert {s.code: s.value for s in m21.subfields} == {
        "a": "UA-LuOUNB", "b": "UA-LuOUNB", "c": "rare", "p": "2900000000155", "i": "Р-15", "o": "51 С24",
        "d": "2021-05-20", "g": "245.50", "y": "BK", "1": "5"}
    assert holdings.field_values(m21, "marc21")["status"] == "occupied_territory"
    assert holdings.split_inventory("Р-15") == ("Р-", 15)
    assert holdings.split_inventory("б/н") == ("б/н", None)


@pytest.mark.parametrize("fmt,path,index,serialization", [
    ("unimarc", UKRAINIAN, 0, "iso2709"),
    ("marc21", CORNELL, 5, "marcxml"),
])
def test_holdings_round_trip_through_export_and_import(app, db, tmp_path, fmt, path, index, serialization):
    from catalog.records.exporter import export_records
    from catalog.records.importer import import_files

    record = store(db, path, fmt, index)
    receipt = services.create_receipt(db, "olena", received_on="2024-04-04", source_type="donation")
    copies = services.receive_copies(db, "olena", receipt, record.id, 3, price="99.90", location="abonement",
                                     call_number="94(477) К65")
    services.change_status(db, "olena", copies[0], "available", "processed")
    services.change_status(db, "olena", copies[1], "missing", "not on the shelf at the check")
    services.mark_seen(db, "olena", copies[0])

    out = tmp_path / f"export.{serialization}"
    assert export_records(db, out, serialization) == 1
    exported = list(read_records(out, fmt=fmt))[0].record
    tag = holdings.HOLDINGS_TAG[fmt]
    fields = exported.get_fields(tag)
    assert len(fields) == 3
    inv_code = holdings.CODES[fmt]["inventory"]
    assert [f.get_subfields(inv_code)[0] for f in fields] == ["1", "2", "3"]
    assert fields[1].get_subfields(holdings.CODES[fmt]["lost"]) == ["4"]
    # Exporting twice does not double the fields.
    export_records(db, out, serialization)
    assert len(list(read_records(out, fmt=fmt))[0].record.get_fields(tag)) == 3

    # Import with the copies gone: the copies come back with their numbers, barcodes and statuses.
    from catalog.acquisitions.models import CopyStatusChange

    db.execute(CopyStatusChange.__table__.delete())
    db.execute(Copy.__table__.delete())
    db.execute(NumberSequence.__table__.delete())
    db.commit()
    report = import_files(db, "import", [out], fmt=fmt)
    assert report.failed == 0 and report.updated + report.imported == 1
    back = db.scalars(select(Copy).order_by(Copy.inventory_serial)).all()
    assert [(c.inventory_number, c.barcode, c.status, c.call_number, c.location, c.price) for c in back] == [
        (c.inventory_number, c.barcode, s, "94(477) К65", "abonement", Decimal("99.90"))
        for c, s in zip(copies, ["available", "missing", "in_processing"], strict=True)]
    assert back[0].accessioned_on == date(2024, 4, 4)
    assert (back[0].last_seen_at is not None) == (fmt == "marc21")  # 952 $r; Koha's 995 has no last-seen subfield
    assert [h.reason for h in back[0].history] == ["imported from holdings field"]
    # The sequence moved past the imported numbers: the next copy is 4, never a reused number.
    receipt2 = services.create_receipt(db, "olena", source_type="purchase")
    assert services.receive_copies(db, "olena", receipt2, back[0].record_id, 1)[0].inventory_number == "4"

    # Importing the same file again updates in place (status changes are recorded), never duplicates.
    services.change_status(db, "olena", back[2], "available", "processed")
    import_files(db, "import", [out], fmt=fmt)
    assert db.scalar(select(Copy).where(Copy.inventory_number == "3")).status in ("available", "in_processing")
    assert len(db.scalars(select(Copy)).all()) == 4


def test_import_of_foreign_koha_holdings_with_prefix_and_conflicts(db):
    record = store(db, UKRAINIAN, "unimarc", 1)
    marc = services.minimal_record("unimarc", title="Тест")
    marc.add_field(pymarc.Field(tag="995", indicators=[" ", " "], subfields=[
        pymarc.Subfield("j", "ХЛ-0042"), pymarc.Subfield("f", "LOUNB42"), pymarc.Subfield("k", "84(4Укр)"),
        pymarc.Subfield("5", "20190301"), pymarc.Subfield("p", "35 грн"), pymarc.Subfield("0", "1")]))
    marc.add_field(pymarc.Field(tag="995", indicators=[" ", " "], subfields=[pymarc.Subfield("k", "no numbers")]))
    copies = holdings.copies_from_fields(db, "import", record, marc)
    db.commit()
    assert [(c.inventory_number, c.inventory_prefix, c.inventory_serial, c.barcode, c.status, c.price, c.accessioned_on)
            for c in copies] == [("ХЛ-0042", "ХЛ-", 42, "LOUNB42", "withdrawn", Decimal("35.00"), date(2019, 3, 1))]
    assert db.scalar(select(NumberSequence.next_value).where(NumberSequence.name == "inv:ХЛ-")) == 43
    other = store(db, UKRAINIAN, "unimarc", 2)
    assert holdings.copies_from_fields(db, "import", other, marc) == []  # belongs to another record: left alone
