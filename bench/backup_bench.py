"""Backup benchmark: back up, verify and restore (with reindex) a catalogue of N records.

Records come from bench/search_bench.py's generator (real MARC 21 and UNIMARC records from
tests/data as templates, plus Ukrainian records), stored as ``save_record`` stores them: one
Record row, its RecordVersion rows (a fifth of the records have a second version) and an
audit entry per save. The data is loaded in bulk (not timed); then timed:

- backup: ``run_backup(verify=False)`` (snapshot, dump, archive)
- verify: ``verify_archive`` (checksums, trial restore into a temporary SQLite, digests)
- restore: ``restore_instance`` into an empty instance (its own verification, load, reindex)

    .venv/bin/python bench/backup_bench.py --n 100000
    .venv/bin/python bench/backup_bench.py --n 100000 --database-url postgresql+psycopg://...  (an empty database)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def make_app(instance: Path, url: str | None):
    from catalog import create_app
    from catalog.db import init_schema

    app = create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": "bench", "JOBS_INLINE": True,
                      "BACKUP_SCHEDULE": False,
                      **({"DATABASE_URL": url} if url else {})})
    init_schema(app.extensions["kataloh.engine"])
    return app


def load_catalogue(app, n: int, seed: int = 42) -> dict:
    """Insert n records with versions and audit entries in bulk, as save_record would leave them."""
    import sqlalchemy as sa
    from search_bench import generate

    from catalog.models import AuditEntry, Record, RecordVersion
    from catalog.records.services import summary_columns
    from marc.io import record_from_json

    rng = random.Random(seed)
    engine = app.extensions["kataloh.engine"]
    start = datetime(2024, 1, 1)
    counts = {"records": 0, "versions": 0, "audit": 0}
    records, versions, audits = [], [], []

    def flush(conn):
        if records:
            conn.execute(sa.insert(Record), records)
            conn.execute(sa.insert(RecordVersion), versions)
            conn.execute(sa.insert(AuditEntry), audits)
        records.clear()
        versions.clear()
        audits.clear()

    with engine.begin() as conn:
        for i, (fmt, marc) in enumerate(generate(n, seed), start=1):
            cols = summary_columns(record_from_json(marc), fmt)
            when = start + timedelta(minutes=i)
            edits = 2 if rng.random() < 0.2 else 1
            status = "published" if i % 5 else "draft"
            records.append({"id": i, "format": fmt, "kind": "bibliographic", "status": status, "version": edits,
                            "marc": marc, "created_at": when, "updated_at": when, "created_by": "bench",
                            "updated_by": "bench", **cols})
            for v in range(1, edits + 1):
                versions.append({"record_id": i, "version": v, "status": status, "marc": marc, "saved_by": "bench",
                                 "saved_at": when, "comment": ""})
                audits.append({"at": when, "actor": "bench", "action": "record.create" if v == 1 else "record.update",
                               "entity_type": "record", "entity_id": str(i), "detail": {"version": v, "format": fmt}})
                counts["versions"] += 1
                counts["audit"] += 1
            counts["records"] += 1
            if len(records) >= 2000:
                flush(conn)
        flush(conn)
    if engine.dialect.name == "postgresql":
        from catalog.backup.restore import reset_sequences

        reset_sequences(engine)
    return counts


CPU = {}


def cpu_seconds() -> float:
    """CPU time of this process (all threads) and of its finished children (index writers)."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(label: str, func):
    """Run ``func``; print wall time and CPU time (the machine may be shared: CPU time shows
    the work itself, wall time what a user waits on this machine at this moment)."""
    started, cpu = time.perf_counter(), cpu_seconds()
    result = func()
    seconds, cpu_used = time.perf_counter() - started, cpu_seconds() - cpu
    load = os.getloadavg()[0]
    print(f"{label:<28} {seconds:8.1f} s wall {cpu_used:8.1f} s CPU  (load average {load:.1f})", flush=True)
    CPU[label] = round(cpu_used, 1)
    return result, seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--database-url", help="source database (default: SQLite in a temporary instance)")
    parser.add_argument("--target-url", help="restore target (default: SQLite in a second temporary instance)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON at the end")
    parser.add_argument("--no-restore", action="store_true", help="time backup and verify only")
    args = parser.parse_args(argv)

    from catalog.backup.restore import restore_instance
    from catalog.backup.services import run_backup
    from catalog.backup.verify import verify_archive

    with tempfile.TemporaryDirectory(prefix="kataloh-backup-bench-") as tmp:
        source = make_app(Path(tmp) / "source", args.database_url)
        counts, load_s = timed(f"load {args.n} records", lambda: load_catalogue(source, args.n))
        info, backup_s = timed("backup create (no verify)", lambda: run_backup(source, trigger="bench", verify=False))
        print(f"  archive {info.path.stat().st_size / 2**20:.1f} MiB, {info.data['rows']} rows")
        report, verify_s = timed("backup verify", lambda: verify_archive(info.path))
        assert report.ok, report.message
        target = make_app(Path(tmp) / "target", args.target_url)
        restore_s = None
        if not args.no_restore:
            with target.app_context():
                restored, restore_s = timed("restore + reindex", lambda: restore_instance(target, info.path))
            print(f"  restored {sum(restored.rows.values())} rows, indexed {restored.indexed} records")
        figures = {"records": counts["records"], "versions": counts["versions"], "audit_entries": counts["audit"],
                   "archive_mib": round(info.path.stat().st_size / 2**20, 1), "backup_s": round(backup_s, 1),
                   "verify_s": round(verify_s, 1), "restore_with_reindex_s": round(restore_s, 1) if restore_s else None,
                   "cpu_s": CPU, "source": source.extensions["kataloh.engine"].dialect.name,
                   "target": target.extensions["kataloh.engine"].dialect.name}
        if args.json:
            print(json.dumps(figures))
        for app in (source, target):
            index = app.extensions.get("kataloh.index")
            if index is not None:
                index.close()
            app.extensions["kataloh.engine"].dispose()
    return figures


if __name__ == "__main__":
    main()
