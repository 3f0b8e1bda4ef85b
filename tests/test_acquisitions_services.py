"""Acquisition and accounting rules: receipts, copies, withdrawal acts, registers (КСО I-III, inventory)."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from catalog.acquisitions import reports, services
from catalog.acquisitions.models import Copy, CopyStatusChange, NumberSequence
from catalog.errors import NotFound, ValidationFailed
from catalog.models import AuditEntry
from marc.io import read_records

ROOT = Path(__file__).resolve().parent.parent
UKRAINIAN = ROOT / "catalog" / "demo" / "data" / "ukrainian-unimarc.json"
CORNELL = Path(__file__).resolve().parent / "data" / "folio-mod-source-record-manager" / "CornellFOLIOExemplars_Bibs.mrc"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def store(db, path: Path, fmt: str, index: int = 0):
    from catalog.records.services import save_record

    item = list(read_records(path, fmt=fmt))[index]
    return save_record(db, "tester", item.record, fmt=item.format, status="published", validate=False)


@pytest.fixture
def books(db):
    """Two real records: a Ukrainian UNIMARC textbook and a MARC 21 Cornell exemplar."""
    return store(db, UKRAINIAN, "unimarc"), store(db, CORNELL, "marc21", 5)


def test_donation_of_several_copies_gets_numbers_barcodes_and_a_ksu_line(db, books):
    ukr, eng = books
    receipt = services.create_receipt(db, "olena", received_on="2026-03-10", source_type="donation",
                                      source_name="Благодійний фонд «Відродження»", document_type="акт приймання-передачі",
                                      document_number="17", document_date="09.03.2026")
    copies = services.receive_copies(db, "olena", receipt, ukr.id, 3, price="245,50", location="abonement",
                                     call_number="51 С24")
    copies += services.receive_copies(db, "olena", receipt, eng.id, 2, price="100", barcodes=["9780000000002"])
    assert receipt.register_number == "1/2026"
    assert [c.inventory_number for c in copies] == ["1", "2", "3", "4", "5"]
    assert len({c.barcode for c in copies}) == 5
    assert copies[3].barcode == "9780000000002"
    generated = [c.barcode for c in copies if c.barcode != "9780000000002"]
    assert all(len(b) == 13 and b.startswith("29") for b in generated)
    assert all(services.ean13_check_digit(b[:12]) == b[12] for b in generated)
    assert {c.status for c in copies} == {"in_processing"}
    assert copies[0].language == "ukr" and copies[0].material_type == "book"
    assert db.scalar(select(func.count()).select_from(CopyStatusChange)) == 5
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "copies.receive")) == 2

    lines = reports.part1(db, 2026)
    assert len(lines) == 1
    line = lines[0]
    assert line.copies == 5 and line.value == Decimal("936.50")
    assert line.by_language == {"ukr": 3, "eng": 2}
    header, rows, footer = reports.part1_rows(lines)
    assert rows[0][0] == "1/2026" and "Дарунок" in rows[0][2] and "№ 17" in rows[0][2]
    assert footer[3] == 5 and footer[4] == "936,50"
    second = services.create_receipt(db, "olena", received_on="2026-04-01", source_type="purchase")
    assert second.number == 2
    assert services.create_receipt(db, "olena", received_on="2027-01-05", source_type="purchase").register_number == "1/2027"


def test_inventory_numbers_are_never_reused_and_prefixes_come_from_locations(db, books):
    ukr, _ = books
    services.save_location(db, "admin", "rare", "Відділ рідкісних видань", "Р-")
    receipt = services.create_receipt(db, "olena", source_type="purchase")
    first = services.receive_copies(db, "olena", receipt, ukr.id, 2)
    rare = services.receive_copies(db, "olena", receipt, ukr.id, 2, location="rare")
    assert [c.inventory_number for c in rare] == ["Р-1", "Р-2"]
    act = services.create_act(db, "olena", reason="worn")
    services.add_to_act(db, "olena", act, first)
    services.confirm_act(db, "olena", act)
    later = services.receive_copies(db, "olena", receipt, ukr.id, 1)
    assert later[0].inventory_number == "3"  # 1 and 2 were written off but stay taken
    assert db.scalar(select(NumberSequence.next_value).where(NumberSequence.name == "inv:")) == 4
    with pytest.raises(ValidationFailed):
        services.set_sequence_start(db, "admin", "", 2)
    services.set_sequence_start(db, "admin", "", 10000)
    assert services.receive_copies(db, "olena", receipt, ukr.id, 1)[0].inventory_number == "10000"


def test_scanned_barcodes_must_be_unique(db, books):
    ukr, _ = books
    receipt = services.create_receipt(db, "olena", source_type="donation")
    services.receive_copies(db, "olena", receipt, ukr.id, 1, barcodes=["LOUNB0001"])
    with pytest.raises(ValidationFailed, match="LOUNB0001"):
        services.receive_copies(db, "olena", receipt, ukr.id, 1, barcodes=["LOUNB0001"])
    with pytest.raises(ValidationFailed):
        services.receive_copies(db, "olena", receipt, ukr.id, 1, barcodes=["A", "B"])
    assert services.copy_by_barcode(db, "LOUNB0001").inventory_number == "1"
    with pytest.raises(NotFound):
        services.copy_by_inventory(db, "999")


def test_war_losses_act_with_evidence_updates_part2_part3_and_keeps_history(db, books, tmp_path):
    ukr, eng = books
    old = services.create_receipt(db, "olena", received_on="2021-05-20", source_type="purchase")
    kept = services.receive_copies(db, "olena", old, ukr.id, 4, price="200.00", status="available")
    foreign = services.receive_copies(db, "olena", old, eng.id, 2, price="50.00", status="available")
    new = services.create_receipt(db, "olena", received_on="2022-09-01", source_type="donation")
    services.receive_copies(db, "olena", new, ukr.id, 3, price="120.00")

    destroyed = services.create_act(db, "olena", act_date="2022-11-15", reason="destroyed_hostilities",
                                    commission_members="Іваненко І. І., Петренко П. П.")
    services.add_to_act(db, "olena", destroyed, services.resolve_copies(db, [kept[0].inventory_number, kept[1].barcode,
                                                                            foreign[0].inventory_number]))
    with pytest.raises(ValidationFailed, match="commission"):
        services.confirm_act(db, "olena", destroyed)
    services.update_act(db, "olena", destroyed, commission_ref="наказ № 12 від 10.11.2022")
    with pytest.raises(ValidationFailed, match="evidence"):
        services.confirm_act(db, "olena", destroyed)
    with pytest.raises(ValidationFailed, match="not a photo"):
        services.attach_evidence(db, "olena", destroyed, "virus.exe", b"MZ\x90\x00" + b"\xff" * 40, upload_root=tmp_path)
    with pytest.raises(ValidationFailed, match="limit"):
        services.attach_evidence(db, "olena", destroyed, "big.png", PNG * 100, upload_root=tmp_path, max_bytes=1000)
    attachment = services.attach_evidence(db, "olena", destroyed, "руїни.png", PNG, content_type="image/png",
                                          upload_root=tmp_path, description="фото")
    assert services.attachment_path(attachment, tmp_path).read_bytes() == PNG
    services.confirm_act(db, "olena", destroyed)
    assert destroyed.status == "confirmed"
    assert services.act_totals(db, destroyed) == (3, Decimal("450.00"))
    for copy in (kept[0], kept[1], foreign[0]):
        db.refresh(copy)
        assert copy.status == "destroyed" and copy.written_off_on == date(2022, 11, 15)
        assert [h.new_status for h in copy.history] == ["available", "destroyed"]
        assert copy.history[-1].act_id == destroyed.id
    with pytest.raises(ValidationFailed, match="confirmed"):
        services.add_to_act(db, "olena", destroyed, [kept[2]])

    occupied = services.create_act(db, "olena", act_date="2022-12-01", reason="occupied_territory",
                                   commission_ref="наказ № 14 від 28.11.2022")
    services.add_to_act(db, "olena", occupied, [kept[2]])
    services.attach_evidence(db, "olena", occupied, "довідка.pdf", b"%PDF-1.4\n%...", upload_root=tmp_path)
    services.confirm_act(db, "olena", occupied)
    db.refresh(kept[2])
    assert kept[2].status == "occupied_territory" and kept[2].written_off_on is None  # not written off
    with pytest.raises(ValidationFailed):
        services.add_to_act(db, "olena", services.create_act(db, "olena", reason="worn"), [kept[0]])
    assert db.get(Copy, kept[0].id) is not None  # nothing is deleted

    part2 = reports.part2(db, 2022)
    assert [(a.act.register_number, a.copies, a.value) for a in part2] == [("1/2022", 3, Decimal("450.00"))]
    assert part2[0].by_language == {"ukr": 2, "eng": 1}
    assert [a.act.reason for a in reports.part2(db, 2022, occupied=True)] == ["occupied_territory"]

    p3 = reports.part3(db, 2022)
    assert (p3.total.start_count, p3.total.start_value) == (6, Decimal("900.00"))
    assert (p3.total.in_count, p3.total.in_value) == (3, Decimal("360.00"))
    assert (p3.total.out_count, p3.total.out_value) == (3, Decimal("450.00"))
    assert (p3.total.end_count, p3.total.end_value) == (6, Decimal("810.00"))
    assert p3.by_language["eng"].end_count == 1 and p3.by_language["ukr"].end_count == 5
    assert p3.occupied_now == 1
    p3_next = reports.part3(db, 2023)
    assert (p3_next.total.start_count, p3_next.total.end_count, p3_next.total.out_count) == (6, 6, 0)
    p3_before = reports.part3(db, 2021)
    assert (p3_before.total.start_count, p3_before.total.in_count, p3_before.total.end_count) == (0, 6, 6)


def test_manual_status_changes_keep_history_and_refuse_write_off(db, books):
    ukr, _ = books
    receipt = services.create_receipt(db, "olena", source_type="donation")
    copy = services.receive_copies(db, "olena", receipt, ukr.id, 1)[0]
    services.change_status(db, "olena", copy, "available", "processed")
    with pytest.raises(ValidationFailed, match="act"):
        services.change_status(db, "olena", copy, "withdrawn", "lost")
    with pytest.raises(ValidationFailed):
        services.change_status(db, "olena", copy, "missing", "")
    services.change_status(db, "olena", copy, "missing", "not found on the shelf")
    services.mark_seen(db, "inventory", copy)
    assert copy.status == "available" and copy.last_seen_at is not None
    assert [(h.old_status, h.new_status) for h in copy.history] == [
        ("", "in_processing"), ("in_processing", "available"), ("available", "missing"), ("missing", "available")]


def test_inventory_register_range(db, books):
    ukr, eng = books
    receipt = services.create_receipt(db, "olena", received_on="2026-02-02", source_type="ukrainian_book_institute")
    services.receive_copies(db, "olena", receipt, ukr.id, 5, price="80")
    services.receive_copies(db, "olena", receipt, eng.id, 5, price="40")
    act = services.create_act(db, "olena", act_date="2026-06-01", reason="lost_by_readers")
    services.add_to_act(db, "olena", act, services.resolve_copies(db, ["4"]))
    services.confirm_act(db, "olena", act)
    rows = reports.inventory_register(db, 3, 7)
    header, table, footer = reports.inventory_rows(rows)
    assert [r[1] for r in table] == ["3", "4", "5", "6", "7"]
    assert "Свердан" in table[0][2] and table[0][5] == "1/2026"
    assert table[1][7].startswith("1/2026 від 01.06.2026") and table[1][8] == "Списаний"
    assert footer[1] == "5 прим." and footer[4] == "320,00"
    csv_text = reports.to_csv(header, table, footer)
    assert csv_text.startswith("\ufeffДата запису,Інвентарний номер")
    assert reports.inventory_register(db, 7, 3)[0][0].inventory_number == "3"


def test_eresources_are_documents_without_barcodes(db, books):
    ukr, _ = books
    receipt = services.create_receipt(db, "olena", received_on="2026-05-05", source_type="ukrainian_book_institute")
    resource = services.receive_eresource(db, "olena", receipt, ukr.id, url="https://example.org/book.pdf",
                                          licence="CC BY 4.0")
    assert resource.id and not hasattr(resource, "barcode")
    with pytest.raises(ValidationFailed):
        services.receive_eresource(db, "olena", receipt, ukr.id, url="javascript:alert(1)")
    line = reports.part1(db, 2026)[0]
    assert (line.copies, line.eresources) == (0, 1) and line.by_type == {"e-resource": 1}
    assert reports.part3(db, 2026).by_type["e-resource"].end_count == 1


def test_brief_records_in_both_formats_and_record_search(db):
    uni = services.create_minimal_record(db, "olena", "unimarc", title="Кобзар", author="Шевченко Т. Г.",
                                         isbn="978-966-03-5186-0", year="2019", publisher="Знання", place="Київ")
    m21 = services.create_minimal_record(db, "olena", "marc21", title="Ukraine: a history", author="Subtelny, Orest",
                                         year="2009", language="eng")
    assert (uni.title, uni.year, uni.status, uni.isbn) == ("Кобзар", 2019, "draft", "9789660351860")
    assert (m21.title, m21.author, m21.year) == ("Ukraine: a history", "Subtelny, Orest", 2009)
    assert [r.id for r in services.find_records(db, "кобзар")] == [uni.id]
    assert [r.id for r in services.find_records(db, "9789660351860")] == [uni.id]
    receipt = services.create_receipt(db, "olena", source_type="donation")
    copy = services.receive_copies(db, "olena", receipt, m21.id, 1)[0]
    assert copy.language == "eng"
    with pytest.raises(ValidationFailed):
        services.minimal_record("unimarc", title=" ")


def test_copy_availability_reaches_the_search_document(db, books):
    from catalog.acquisitions.holdings import availability_extras

    ukr, eng = books
    receipt = services.create_receipt(db, "olena", source_type="donation")
    copies = services.receive_copies(db, "olena", receipt, ukr.id, 2)
    extras = availability_extras(db, [ukr.id, eng.id])
    assert extras[ukr.id]["availability"] == "unavailable"
    assert extras[eng.id] == {"availability": "none"}
    services.change_status(db, "olena", copies[1], "available", "processed")
    extras = availability_extras(db, [ukr.id])
    assert extras[ukr.id]["availability"] == "available"
    assert sorted(extras[ukr.id]["inv"]) == ["1", "2"] and len(extras[ukr.id]["barcode"]) == 2


def test_cli_sets_locations_and_continues_numbering(runner, db, books):
    ukr, _ = books
    result = runner.invoke(args=["acquisitions", "location", "rare", "Рідкісні видання", "--prefix", "Р-"])
    assert result.exit_code == 0, result.output
    assert "Р-" in runner.invoke(args=["acquisitions", "locations"]).output
    assert runner.invoke(args=["acquisitions", "continue-numbering", "5000", "--prefix", "Р-"]).exit_code == 0
    refused = runner.invoke(args=["acquisitions", "continue-numbering", "10", "--prefix", "Р-"])
    assert refused.exit_code != 0 and "5000" in refused.output
    receipt = services.create_receipt(db, "olena", source_type="donation")
    assert services.receive_copies(db, "olena", receipt, ukr.id, 1, location="rare")[0].inventory_number == "Р-5000"
