"""SRU benchmark: searchRetrieve (10 MARCXML records) and scan latency, Kataloh vs Zebra.

Generates N records from real templates (bench/search_bench.py's generator), stores them
in a Kataloh instance (SQLite + the FTS5 search index, ``kataloh reindex`` path) and, when Debian's
``idzebra-2.0`` is installed (zebraidx, zebrasrv), indexes the same records into Zebra
(DOM filter, MARCXML; CQL mapped with YAZ's pqf.properties). Both servers run as separate
processes (Kataloh under gunicorn, one worker with 4 threads; zebrasrv) and get the same
SRU 1.2 GET requests over keep-alive HTTP, in the same run.

    .venv/bin/python bench/sru_bench.py --n 100000 --workdir /tmp/kataloh-sru-bench

A second run with the same ``--workdir`` and ``--n`` reuses the database, index and Zebra files.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import requests  # noqa: E402

from search_bench import UK_SURNAMES, UK_WORDS, generate  # noqa: E402

PQF = Path("/usr/share/yaz/etc/pqf.properties")
ZEBRA_MODULES = [p for p in ("/usr/lib/x86_64-linux-gnu/idzebra-2.0/modules", "/usr/lib/idzebra-2.0/modules")
                 if Path(p).exists()]

ZEBRA_XSLT = """<?xml version="1.0" encoding="UTF-8"?>
<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" xmlns:z="http://indexdata.com/zebra-2.0"
    xmlns:marc="http://www.loc.gov/MARC21/slim" version="1.0">
  <xsl:output indent="no" method="xml" encoding="UTF-8"/>
  <xsl:template match="text()"/>
  <xsl:template match="/marc:record">
    <z:record type="update">
      <xsl:for-each select="marc:datafield[@tag='245' or @tag='200']/marc:subfield[@code='a']">
        <z:index name="title:w title:p"><xsl:value-of select="."/></z:index>
      </xsl:for-each>
      <xsl:for-each select="marc:datafield[@tag='100' or @tag='700' or @tag='701' or @tag='110' or @tag='710']
                            /marc:subfield[@code='a' or @code='b']">
        <z:index name="author:w author:p"><xsl:value-of select="."/></z:index>
      </xsl:for-each>
      <xsl:for-each select="marc:datafield[@tag='650' or @tag='606' or @tag='600' or @tag='651']
                            /marc:subfield[@code='a']">
        <z:index name="subject-heading:w"><xsl:value-of select="."/></z:index>
      </xsl:for-each>
      <xsl:for-each select="marc:datafield/marc:subfield">
        <z:index name="any:w"><xsl:value-of select="."/></z:index>
      </xsl:for-each>
    </z:record>
  </xsl:template>
</xsl:stylesheet>
"""
IDENTITY_XSLT = """<?xml version="1.0"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:template match="@*|node()"><xsl:copy><xsl:apply-templates select="@*|node()"/></xsl:copy></xsl:template>
</xsl:stylesheet>
"""
DOM_CONFIG = """<?xml version="1.0" encoding="UTF-8"?>
<dom>
  <extract name="index"><xslt stylesheet="index.xsl"/></extract>
  <retrieve name="marcxml"><xslt stylesheet="identity.xsl"/></retrieve>
  <input syntax="xml"><xmlreader level="1"/></input>
</dom>
"""
ZEBRA_CFG = """profilePath: .:/usr/share/idzebra-2.0/tab
modulePath: {modules}
recordtype: dom.dom-config.xml
attset: bib1.att
attset: explain.att
index: default.idx
encoding: utf-8
register: {register}:4G
shadow: {register}:1G
isam: b
"""
YAZGFS = """<?xml version="1.0"?>
<yazgfs>
  <listen id="public">tcp:@:{port}</listen>
  <server id="main" listenref="public">
    <config>zebra.cfg</config>
    <cql2rpn>pqf.properties</cql2rpn>
    <retrievalinfo>
      <retrieval syntax="xml" name="marcxml" identifier="info:srw/schema/1/marcxml-v1.1">
        <backend syntax="xml" name="marcxml"/>
      </retrieval>
    </retrievalinfo>
  </server>
</yazgfs>
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on port {port}")


# --- Kataloh ---------------------------------------------------------------------


def kataloh_instance(workdir: Path, n: int, seed: int) -> Path:
    """An instance folder with n published records in SQLite and a fresh search index."""
    instance = workdir / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    (instance / "config.py").write_text("SRU_RATE_LIMIT = None\nSECRET_KEY = 'bench'\n")
    os.environ["KATALOH_INSTANCE"] = str(instance)
    from sqlalchemy import func, insert, select

    from catalog import create_app
    from catalog.db import get_engine, get_session, init_schema
    from catalog.indexing import get_index, reindex_all
    from catalog.models import Record

    app = create_app()
    with app.app_context():
        init_schema(get_engine())
        session = get_session()
        have = session.scalar(select(func.count()).select_from(Record))
        if have != n or get_index().doc_count() != n:
            session.query(Record).delete()
            session.commit()
            t0 = time.perf_counter()
            records = generate(n, seed)
            rows = [{"format": fmt, "kind": "bibliographic", "status": "published", "version": 1, "marc": text,
                     "title": ""} for fmt, text in records]
            for i in range(0, len(rows), 5000):
                session.execute(insert(Record), rows[i:i + 5000])
            session.commit()
            print(f"kataloh: stored {n} records in {time.perf_counter() - t0:.1f} s", flush=True)
            t0 = time.perf_counter()
            reindex_all(session)
            print(f"kataloh: reindexed {n} records in {time.perf_counter() - t0:.1f} s", flush=True)
        print(f"kataloh: {get_index().doc_count()} documents indexed", flush=True)
    return instance


def start_kataloh(instance: Path, port: int) -> subprocess.Popen:
    env = dict(os.environ, KATALOH_INSTANCE=str(instance), PYTHONPATH=str(ROOT))
    gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
    cmd = [str(gunicorn), "-w", "1", "-k", "gthread", "--threads", "4", "-b", f"127.0.0.1:{port}",
           "--log-level", "warning", "catalog:create_app()"]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    wait_port(port)
    return proc


# --- Zebra -----------------------------------------------------------------------


def zebra_available() -> bool:
    return bool(shutil.which("zebraidx") and shutil.which("zebrasrv") and PQF.exists() and ZEBRA_MODULES)


def zebra_index(workdir: Path, n: int, seed: int) -> Path:
    """Index the same records into Zebra (MARCXML through the DOM filter)."""
    from marc.io import record_from_json, record_to_marcxml

    zdir = workdir / "zebra"
    stamp = zdir / "INDEXED"
    if stamp.exists() and stamp.read_text().strip() == f"{n} {seed}":
        return zdir
    shutil.rmtree(zdir, ignore_errors=True)
    (zdir / "records").mkdir(parents=True)
    (zdir / "register").mkdir()
    (zdir / "index.xsl").write_text(ZEBRA_XSLT)
    (zdir / "identity.xsl").write_text(IDENTITY_XSLT)
    (zdir / "dom-config.xml").write_text(DOM_CONFIG)
    (zdir / "zebra.cfg").write_text(ZEBRA_CFG.format(modules=ZEBRA_MODULES[0], register=zdir / "register"))
    shutil.copy(PQF, zdir / "pqf.properties")
    t0 = time.perf_counter()
    records = generate(n, seed)
    chunk = 5000
    for i in range(0, len(records), chunk):
        with open(zdir / "records" / f"r{i // chunk:04d}.xml", "w", encoding="utf-8") as out:
            out.write('<?xml version="1.0" encoding="UTF-8"?>\n<collection xmlns="http://www.loc.gov/MARC21/slim">\n')
            for fmt, text in records[i:i + chunk]:
                out.write(record_to_marcxml(record_from_json(text), fmt))
                out.write("\n")
            out.write("</collection>\n")
    print(f"zebra: wrote MARCXML in {time.perf_counter() - t0:.1f} s", flush=True)
    t0 = time.perf_counter()
    subprocess.run(["zebraidx", "-c", "zebra.cfg", "init"], cwd=zdir, check=True, capture_output=True)
    subprocess.run(["zebraidx", "-c", "zebra.cfg", "-l", "zebraidx.log", "update", "records"], cwd=zdir, check=True)
    subprocess.run(["zebraidx", "-c", "zebra.cfg", "-l", "zebraidx.log", "commit"], cwd=zdir, check=True)
    print(f"zebra: indexed {n} records in {time.perf_counter() - t0:.1f} s", flush=True)
    stamp.write_text(f"{n} {seed}")
    return zdir


def start_zebra(zdir: Path, port: int) -> subprocess.Popen:
    (zdir / "yazgfs.xml").write_text(YAZGFS.format(port=port))
    proc = subprocess.Popen(["zebrasrv", "-f", "yazgfs.xml", "-l", "zebrasrv.log"], cwd=zdir)
    wait_port(port)
    return proc


# --- the query mix ---------------------------------------------------------------


def query_mix(seed: int = 7) -> tuple[list[str], list[str]]:
    """(CQL queries, scan clauses): title, author, subject and keyword words; AND/OR combinations."""
    rng = random.Random(seed)
    latin = ["history", "report", "music", "america", "war", "church", "national", "science", "children", "life"]
    cyr = [w.lower() for w in UK_WORDS if len(w) > 4]
    surnames = UK_SURNAMES
    queries = []
    for _ in range(4):
        queries.append(f"dc.title = {rng.choice(cyr)}")
        queries.append(f"dc.title = {rng.choice(latin)}")
        queries.append(f"dc.author = {rng.choice(surnames)}")
        queries.append(f"cql.serverChoice = {rng.choice(cyr)}")
        queries.append(f"dc.title = {rng.choice(cyr)} and dc.author = {rng.choice(surnames)}")
        queries.append(f"dc.title = {rng.choice(latin)} or dc.title = {rng.choice(latin)}")
    scans = []
    for _ in range(6):
        scans.append(f"dc.title = {rng.choice(cyr)[:3]}")
        scans.append(f"dc.author = {rng.choice(surnames)[:3]}")
    return queries, scans


def timed(session: requests.Session, url: str, params: dict) -> tuple[float, bytes]:
    t0 = time.perf_counter()
    response = session.get(url, params=params, timeout=60)
    dt = (time.perf_counter() - t0) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{url} {params}: HTTP {response.status_code}")
    return dt, response.content


def hits_of(body: bytes) -> int:
    m = re.search(rb"numberOfRecords>(\d+)<", body)
    return int(m.group(1)) if m else -1


def run_mix(name: str, url: str, queries, scans, rounds: int) -> dict:
    session = requests.Session()
    search_t, scan_t, hits, records = [], [], {}, {}
    for q in queries:  # warm-up
        timed(session, url, {"version": "1.2", "operation": "searchRetrieve", "query": q, "maximumRecords": "10",
                             "recordSchema": "marcxml"})
    for s in scans:
        timed(session, url, {"version": "1.2", "operation": "scan", "scanClause": s, "maximumTerms": "20"})
    for _ in range(rounds):
        for q in queries:
            dt, body = timed(session, url, {"version": "1.2", "operation": "searchRetrieve", "query": q,
                                            "maximumRecords": "10", "recordSchema": "marcxml"})
            search_t.append(dt)
            hits[q] = hits_of(body)
            records[q] = body.count(b"<recordData>") + body.count(b"<zs:recordData>")
        for s in scans:
            dt, body = timed(session, url, {"version": "1.2", "operation": "scan", "scanClause": s,
                                            "maximumTerms": "20"})
            scan_t.append(dt)
    return {"name": name, "search": search_t, "scan": scan_t, "hits": hits, "records": records}


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def summary(result: dict, kind: str) -> tuple[float, float]:
    return statistics.median(result[kind]), pct(result[kind], 95)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workdir", default="/tmp/kataloh-sru-bench")
    parser.add_argument("--no-zebra", action="store_true")
    args = parser.parse_args(argv)
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)

    instance = kataloh_instance(workdir, args.n, args.seed)
    use_zebra = zebra_available() and not args.no_zebra
    zdir = zebra_index(workdir, args.n, args.seed) if use_zebra else None
    queries, scans = query_mix()

    procs, results = [], []
    try:
        kport = free_port()
        procs.append(start_kataloh(instance, kport))
        results.append(run_mix("Kataloh", f"http://127.0.0.1:{kport}/sru", queries, scans, args.rounds))
        if zdir is not None:
            zport = free_port()
            procs.append(start_zebra(zdir, zport))
            results.append(run_mix("Zebra", f"http://127.0.0.1:{zport}/", queries, scans, args.rounds))
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=30)

    print(f"\n{args.n} records, {len(queries)} searchRetrieve queries (maximumRecords=10, marcxml) and "
          f"{len(scans)} scans (maximumTerms=20), {args.rounds} rounds, SRU 1.2 GET over keep-alive HTTP\n")
    print("| server | searchRetrieve median | p95 | scan median | p95 |")
    print("|---|---|---|---|---|")
    for r in results:
        sm, sp = summary(r, "search")
        cm, cp = summary(r, "scan")
        print(f"| {r['name']} | {sm:.1f} ms | {sp:.1f} ms | {cm:.1f} ms | {cp:.1f} ms |")
    if len(results) == 2:
        k, z = results
        print(f"\nratio Kataloh/Zebra: searchRetrieve median {summary(k, 'search')[0] / summary(z, 'search')[0]:.2f}, "
              f"scan median {summary(k, 'scan')[0] / summary(z, 'scan')[0]:.2f}, all requests median "
              f"{statistics.median(k['search'] + k['scan']) / statistics.median(z['search'] + z['scan']):.2f}")
        print("\nhits per query (Kataloh / Zebra; analysis differs: Kataloh lemmatises Ukrainian):")
        for q in queries[:12]:
            print(f"  {q}: {k['hits'][q]} / {z['hits'][q]}")
    else:
        print("\nZebra not measured (install Debian idzebra-2.0 and yaz)")
    print(json.dumps({r["name"]: {"search": summary(r, "search"), "scan": summary(r, "scan")} for r in results}))


if __name__ == "__main__":
    main()
