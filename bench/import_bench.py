"""Import benchmark: end-to-end `kataloh import` speed next to bare pymarc parsing.

Generates N records (default 10,000 and 100,000) from real records used as templates
(Cornell MARC21 exemplars, National Library of Russia RUSMARC, the demo's Ukrainian
UNIMARC records), each with its own 001 and a varied title, as one UTF-8 ISO 2709 file.
Then it times, on the same file:
  1. bare pymarc parsing (MARCReader, one core),
  2. `kataloh import` into a fresh embedded instance (SQLite + the FTS5 search index): parse,
     store with versions, audit and index queue, and update the search index after each batch;
  3. the same without the search index (storage only), into another fresh instance.

    .venv/bin/python bench/import_bench.py            # 10k and 100k
    .venv/bin/python bench/import_bench.py --n 10000  # one size
"""

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pymarc  # noqa: E402

from marc.io import read_records  # noqa: E402

DEMO = ROOT / "catalog" / "demo" / "data"
TEMPLATES = [
    (DEMO / "cornell-exemplars-marc21.mrc", "marc21", None),
    (DEMO / "nlr-rusmarc-cp1251.iso", "unimarc", "cp1251"),
    (DEMO / "ukrainian-unimarc.json", "unimarc", None),
]
WORDS = "історія бібліотека культура мова Луганськ Київ war library history culture нариси збірник".split()


def template_records() -> list[pymarc.Record]:
    records = []
    for path, fmt, encoding in TEMPLATES:
        records += [i.record for i in read_records(path, fmt=fmt, encoding=encoding) if i.record is not None]
    return records


def generate_file(n: int, out: Path, seed: int = 2023) -> Path:
    """Write ``n`` varied records built from the templates as UTF-8 ISO 2709."""
    rng = random.Random(seed)
    templates = template_records()
    with out.open("wb") as f:
        for i in range(n):
            record = pymarc.Record(leader=str(templates[i % len(templates)].leader), force_utf8=True)
            for field in templates[i % len(templates)].fields:
                if field.tag in ("001", "003"):
                    continue
                if field.is_control_field():
                    record.add_field(pymarc.Field(tag=field.tag, data=field.data))
                else:
                    subfields = [pymarc.Subfield(s.code, s.value) for s in field.subfields]
                    if field.tag in ("200", "245") and subfields:
                        subfields[0] = pymarc.Subfield(subfields[0].code, f"{subfields[0].value} {rng.choice(WORDS)} {i}")
                    record.add_field(pymarc.Field(tag=field.tag, indicators=list(field.indicators), subfields=subfields))
            record.add_ordered_field(pymarc.Field(tag="001", data=f"bench-{i:07d}"))
            leader = list(str(record.leader))
            leader[9] = "a"
            record.leader = pymarc.Leader("".join(leader))
            f.write(record.as_marc())
    return out


def bare_pymarc(path: Path) -> float:
    start = time.perf_counter()
    count = 0
    with path.open("rb") as f:
        for record in pymarc.MARCReader(f, to_unicode=True, force_utf8=True, permissive=True):
            if record is not None:
                count += 1
    return count / (time.perf_counter() - start)


def kataloh_import(path: Path, n: int, workdir: Path, with_index: bool) -> tuple[float, str]:
    """Import into a fresh instance as `kataloh import` does; returns (records/s, summary).

    ``with_index`` False leaves the index queue undrained (storage only)."""
    from catalog import create_app
    from catalog.db import get_engine, get_session, init_schema
    from catalog.indexing import drain_queue, get_index, index_imported
    from catalog.records.importer import import_files

    app = create_app({"INSTANCE_PATH": str(workdir / ("instance-index" if with_index else "instance-storage"))})
    with app.app_context():
        init_schema(get_engine())
        start = time.perf_counter()
        report = import_files(get_session(), "bench", [path], batch_size=app.config["IMPORT_BATCH_SIZE"],
                              after_batch=index_imported if with_index else None)
        if with_index:
            drain_queue(get_session())
            assert get_index().doc_count() == n, get_index().doc_count()
        end = time.perf_counter()
    return n / (end - start), report.summary()


def breakdown(path: Path, n: int) -> str:
    """CPU per record of each step a worker does, on one core (where the import time goes)."""
    from catalog.records.services import columns_from_summary
    from marc.extract import extract
    from marc.io import record_to_json
    from search.document import document_from_summary
    from search.prepare import prepare

    data = path.read_bytes()
    out = []

    def timed(label, fn):
        start = time.process_time()
        result = fn()
        out.append(f"{label} {1000 * (time.process_time() - start) / n:.2f} ms")
        return result

    items = timed("read (pymarc + checks)", lambda: [(i.record, i.format) for i in read_records(data)])
    summaries = timed("extract", lambda: [extract(r, f) for r, f in items])
    timed("MARC-in-JSON", lambda: [record_to_json(r) for r, _ in items])
    timed("list columns", lambda: [columns_from_summary(s) for s in summaries])
    docs = timed("search document", lambda: [document_from_summary(0, s, "published") for s in summaries])
    timed("index analysis", lambda: [prepare(d) for d in docs])
    return "per record, one core: " + "; ".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, action="append", help="record count (repeatable); default 10000 and 100000")
    parser.add_argument("--breakdown", action="store_true", help="also time each step of a worker on one core")
    args = parser.parse_args()
    for n in args.n or [10_000, 100_000]:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            path = generate_file(n, work / f"bench-{n}.mrc")
            parse_rate = bare_pymarc(path)
            storage_only, _ = kataloh_import(path, n, work, with_index=False)
            end_to_end, summary = kataloh_import(path, n, work, with_index=True)
            print(f"{n} records ({path.stat().st_size / n:.0f} bytes each): bare pymarc parse {parse_rate:,.0f}/s; "
                  f"kataloh import {end_to_end:,.0f}/s end to end ({storage_only:,.0f}/s storage only); {summary}")
            if args.breakdown:
                print(breakdown(path, n))


if __name__ == "__main__":
    main()
