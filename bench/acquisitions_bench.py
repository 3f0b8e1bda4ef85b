"""Acquisitions benchmark: receive 1,000 copies in one receipt; build КСО part III over 100k copies.

Runs on a throwaway instance (SQLite in a temp folder, or the PostgreSQL database named by
KATALOH_DATABASE_URL). The 1,000 copies go through ``services.receive_copies`` exactly as a
clerk's form does (numbers, barcodes, history rows, audit, commit, index update). The 100k
copies for part III are bulk-inserted over ten years with write-offs, then part III is timed
as an SQL aggregate, and again as the PDF the register page serves.

    .venv/bin/python bench/acquisitions_bench.py [--copies 1000] [--collection 100000]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

UKRAINIAN = ROOT / "catalog" / "demo" / "data" / "ukrainian-unimarc.json"


def timed(label: str, fn):
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    print(f"{label}: {elapsed:.2f} s")
    return result, elapsed


def bulk_collection(session, record_ids: list[int], count: int, seed: int = 7) -> None:
    """Insert ``count`` copies spread over 2016-2025 (about 8% written off later), in batches."""
    from sqlalchemy import insert

    from catalog.acquisitions.models import Copy, Receipt

    rng = random.Random(seed)
    receipts = []
    for year in range(2016, 2026):
        receipts.append({"year": year, "number": 1, "received_on": date(year, 1, 10), "source_type": "purchase",
                         "source_name": "bench", "document_type": "", "document_number": "", "notes": "",
                         "created_by": "bench"})
    ids = session.scalars(insert(Receipt).returning(Receipt.id, sort_by_parameter_order=True), receipts).all()
    materials = ["book"] * 8 + ["serial", "other"]
    languages = ["ukr"] * 6 + ["rus", "rus", "eng", "deu"]
    batch = []
    for n in range(count):
        year_index = n * 10 // count
        accessioned = date(2016 + year_index, 1, 10) + timedelta(days=rng.randrange(300))
        written_off = None
        status = "available"
        if rng.random() < 0.08:
            written_off = accessioned + timedelta(days=rng.randrange(30, 2500))
            status = "withdrawn"
        batch.append({
            "record_id": record_ids[n % len(record_ids)], "receipt_id": ids[year_index], "inventory_number": f"B{n + 1}",
            "inventory_prefix": "B", "inventory_serial": n + 1, "barcode": None, "status": status,
            "price": Decimal(rng.randrange(2000, 60000)) / 100, "currency": "UAH", "location": "", "call_number": "",
            "material_type": rng.choice(materials), "language": rng.choice(languages), "accessioned_on": accessioned,
            "written_off_on": written_off, "notes": "",
        })
        if len(batch) == 10000:
            session.execute(insert(Copy), batch)
            batch = []
    if batch:
        session.execute(insert(Copy), batch)
    session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=1000)
    parser.add_argument("--collection", type=int, default=100_000)
    args = parser.parse_args()

    from catalog import create_app
    from catalog.db import get_engine, get_session, init_schema
    from marc.io import read_records

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"INSTANCE_PATH": tmp, "SECRET_KEY": "bench", "JOBS_INLINE": True})
        with app.app_context():
            init_schema(get_engine())
            print(f"database: {get_engine().dialect.name}")
            from catalog.acquisitions import pdf, reports, services
            from catalog.records.services import save_record

            session = get_session()
            records = [save_record(session, "bench", item.record, fmt=item.format, status="published", validate=False)
                       for item in read_records(UKRAINIAN, fmt="unimarc")]
            receipt = services.create_receipt(session, "bench", source_type="ukrainian_book_institute",
                                              source_name="Український інститут книги", document_number="1")
            copies, receive_s = timed(f"receive {args.copies} copies in one receipt",
                                      lambda: services.receive_copies(session, "bench", receipt, records[0].id, args.copies,
                                                                      price="250.00", call_number="821.161.2"))
            assert len(copies) == args.copies and len({c.barcode for c in copies}) == args.copies

            timed(f"insert a collection of {args.collection} copies (setup, not a target)",
                  lambda: bulk_collection(session, [r.id for r in records], args.collection))
            report, part3_s = timed(f"КСО part III for 2024 over {args.collection + args.copies} copies (SQL aggregate)",
                                    lambda: reports.part3(session, 2024))
            print(f"  stock at start {report.total.start_count}, in {report.total.in_count}, out {report.total.out_count}, "
                  f"end {report.total.end_count} ({reports.fmt_money(report.total.end_value)} UAH)")
            _pdf, pdf_s = timed("КСО part III as PDF", lambda: pdf.part3_pdf(session, 2024, "bench"))
            _rows, inv_s = timed("inventory register, 1,000 numbers, as PDF",
                                 lambda: pdf.inventory_pdf(session, 50_001, 51_000, "B", "bench"))
            print(f"target < 5 s: receive {'OK' if receive_s < 5 else 'MISSED'}, "
                  f"part III {'OK' if part3_s < 5 else 'MISSED'}")
            get_engine().dispose()


if __name__ == "__main__":
    main()
