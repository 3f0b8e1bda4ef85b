"""Cataloguing benchmark: the time a cataloguer waits when saving a record at catalogue scale.

Fills a fresh SQLite catalogue with N generated UNIMARC book records (bulk inserts of records and
their first versions, built with the guided-form builder from varied Ukrainian data), builds the
search index (``reindex_all``), then times S saves through ``save_record`` exactly as the forms do
them: validation against the profile, a new version, the audit entry, the index queue and the
index update after commit. Edits of existing records and new records are timed separately.

    .venv/bin/python bench/cataloguing_bench.py --n 100000 --saves 200
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = ("історія України бібліотека культура мова література поезія Київ Львів Харків Луганськ Донбас освіта "
         "наука економіка право держава мистецтво музика театр природа ліс річка степ село місто праця хліб "
         "техніка інформація розвиток дослідження нариси збірник посібник підручник словник довідник").split()
SURNAMES = "Шевченко Франко Костенко Стус Тичина Рильський Довженко Гончар Жадан Забужко Мельник Ґудзь".split()
GIVEN = "Тарас Іван Леся Михайло Василь Ліна Олесь Павло Оксана Марія".split()
UDC = ["94(477)", "821.161.2-1", "821.161.2-3", "027.022", "517", "37.01", "34", "330", "78", "911.3"]
SUBJECTS = ["Історія України", "Українська література", "Бібліотечна справа", "Освіта", "Економіка"]


def make_data(rng: random.Random, n: int):
    from catalog.cataloguing.guided import GuidedData, Name, Subject

    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6))).capitalize()
    return GuidedData(
        title=f"{title} {n}", subtitle=rng.choice(["", "навчальний посібник", "збірник статей", "монографія"]),
        responsibility=f"{rng.choice(GIVEN)[0]}. {rng.choice(SURNAMES)}", place=rng.choice(["Київ", "Львів", "Харків"]),
        publisher=rng.choice(["Знання", "Либідь", "Наукова думка", "Основи"]), year=str(rng.randint(1950, 2024)),
        pages=f"{rng.randint(40, 900)} с.", language="ukr", udc=[rng.choice(UDC)],
        names=[Name(f"{rng.choice(SURNAMES)}, {rng.choice(GIVEN)}")],
        subjects=[Subject("topical", rng.choice(SUBJECTS))])


def fill(app, n: int, seed: int = 7) -> float:
    """Bulk-insert n records with their version 1; returns seconds."""
    from pymarc import Field
    from sqlalchemy import insert

    from catalog.cataloguing.guided import build
    from catalog.db import get_session
    from catalog.models import Record, RecordVersion, utcnow
    from catalog.records.services import summary_columns
    from marc.io import record_to_json

    rng = random.Random(seed)
    start = time.perf_counter()
    with app.app_context():
        session = get_session()
        now = utcnow()
        batch_r, batch_v = [], []
        for i in range(1, n + 1):
            record = build(make_data(rng, i), "unimarc", library_code="UA-LuOUNB")
            record.add_ordered_field(Field(tag="001", data=str(i)))
            text = record_to_json(record)
            cols = summary_columns(record, "unimarc")
            batch_r.append({"id": i, "format": "unimarc", "kind": "bibliographic", "status": "published", "version": 1,
                            "marc": text, "created_at": now, "updated_at": now, "created_by": "bench",
                            "updated_by": "bench", "control_source": "", **{k: v for k, v in cols.items()
                                                                            if k != "control_source"}})
            batch_v.append({"record_id": i, "version": 1, "status": "published", "marc": text, "saved_by": "bench",
                            "saved_at": now, "comment": "bench"})
            if len(batch_r) == 5000:
                session.execute(insert(Record), batch_r)
                session.execute(insert(RecordVersion), batch_v)
                session.commit()
                batch_r, batch_v = [], []
        if batch_r:
            session.execute(insert(Record), batch_r)
            session.execute(insert(RecordVersion), batch_v)
            session.commit()
    return time.perf_counter() - start


def index_all(app) -> float:
    from catalog.db import get_session
    from catalog.indexing import reindex_all

    start = time.perf_counter()
    with app.app_context():
        reindex_all(get_session())
    return time.perf_counter() - start


def timed_save(session, marc_record, **kw) -> tuple[float, float]:
    """One save as ``save_record`` does it, split into (validate + version + audit + commit, index update)."""
    from catalog.indexing import drain_queue
    from catalog.records.services import save_record

    start = time.perf_counter()
    save_record(session, "bench", marc_record, fmt="unimarc", status="published", library_code="UA-LuOUNB",
                commit=False, **kw)
    session.commit()
    middle = time.perf_counter()
    drain_queue(session)
    return middle - start, time.perf_counter() - middle


def time_saves(app, n_records: int, saves: int, seed: int = 11) -> dict:
    from pymarc import Field

    from catalog.cataloguing.guided import build, from_record
    from catalog.db import get_session
    from catalog.records.services import load_record, marc_of

    rng = random.Random(seed)
    out = {"edit_db": [], "edit_index": [], "create_db": [], "create_index": []}
    with app.test_request_context():
        session = get_session()
        for k in range(saves):
            record = load_record(session, rng.randint(1, n_records))
            data = from_record(marc_of(record), "unimarc")
            data.title = f"{data.title} (ред. {k})"
            marc_record = build(data, "unimarc", marc_of(record), library_code="UA-LuOUNB")
            db, ix = timed_save(session, marc_record, record_id=record.id, expected_version=record.version)
            out["edit_db"].append(db)
            out["edit_index"].append(ix)
            new = build(make_data(rng, n_records + k + 1), "unimarc", library_code="UA-LuOUNB")
            new.add_ordered_field(Field(tag="001", data=f"B{k}"))
            db, ix = timed_save(session, new)
            out["create_db"].append(db)
            out["create_index"].append(ix)
            session.expunge_all()
    out["edit"] = [a + b for a, b in zip(out["edit_db"], out["edit_index"], strict=True)]
    out["create"] = [a + b for a, b in zip(out["create_db"], out["create_index"], strict=True)]
    return out


def describe(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    p95 = ms[max(0, int(len(ms) * 0.95) - 1)]
    return f"median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, max {ms[-1]:.1f} ms (n={len(ms)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="records in the catalogue")
    parser.add_argument("--saves", type=int, default=200, help="timed edits (and as many new records)")
    args = parser.parse_args()
    from catalog import create_app
    from catalog.db import get_engine, init_schema

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"INSTANCE_PATH": tmp, "DATABASE_URL": f"sqlite:///{tmp}/kataloh.db", "SECRET_KEY": "bench",
                          "JOBS_INLINE": True})
        with app.app_context():
            init_schema(get_engine())
        filled = fill(app, args.n)
        print(f"generated and inserted {args.n} records: {filled:.1f} s ({args.n / filled:.0f} records/s)", flush=True)
        indexed = index_all(app)
        print(f"indexed {args.n} records: {indexed:.1f} s ({args.n / indexed:.0f} docs/s)", flush=True)
        timings = time_saves(app, args.n, args.saves)
        import os

        print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        for kind, label in (("edit", "an edited record"), ("create", "a new record")):
            print(f"save {label}, total: {describe(timings[kind])}")
            print(f"  validate + version + audit + commit: {describe(timings[kind + '_db'])}")
            print(f"  search index update after commit: {describe(timings[kind + '_index'])}")


if __name__ == "__main__":
    main()
