"""Search benchmark: reindex N generated records, then time a fixed mix of queries.

Records are generated from real MARC records in tests/data (MARC 21 and UNIMARC,
English and Russian) plus Ukrainian records built here, with titles, authors,
years and copies varied by a seeded RNG. They are stored as MARC-in-JSON (as the
database keeps them), and the timed reindex parses each one, extracts the search
document and indexes it, like ``kataloh reindex`` does.

    .venv/bin/python bench/search_bench.py --n 100000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from marc.io import read_records, record_from_json  # noqa: E402
from search.document import build_document  # noqa: E402
from search.index import SearchIndex  # noqa: E402
from search.query import Query  # noqa: E402

DATA = ROOT / "tests" / "data"
TEMPLATE_FILES = [
    "folio-mod-source-record-manager/CornellFOLIOExemplars_Bibs.mrc",
    "marc2bibframe2/loc_general.xml",
    "irbis/test1.iso",
    "marc4s/rusmarc-utf8-galsworthy-example.iso",
]

UK_WORDS = (
    "історія України бібліотека бібліотеки бібліотеках культура мова література поезія війна війни "
    "Київ Києва Львів Харків Луганськ Донбас область краю народ народу освіта школа наука науки "
    "економіка право держава держави суспільство мистецтво музика театр кіно живопис архітектура "
    "природа ґрунт ґрунти ліс ліси річка річки море степ село міста місто люди життя праця "
    "м'ясо хліб зерно вода енергетика техніка інформація технології комп'ютер мережа "
    "розвиток проблеми питання дослідження нариси збірник статей матеріали конференції посібник "
    "підручник словник довідник енциклопедія хрестоматія спогади листи щоденники вірші оповідання "
    "роман повість казки легенди традиції свята обряди пісні думи козацтво Запоріжжя Січ гетьман "
    "незалежність революція відродження пам'ять голодомор репресії депортація окупація евакуація "
    "український українська українські сучасна сучасні нова нові стара давня давні"
).split()
UK_SURNAMES = (
    "Шевченко Франко Українка Коцюбинський Стефаник Котляревський Сковорода Грушевський Драгоманов "
    "Костенко Стус Симоненко Тичина Рильський Бажан Сосюра Довженко Гончар Загребельний Жадан "
    "Андрухович Забужко Прохасько Кіяновська Малярчук Винничук Ірванець Дереш Матіос Слапчук "
    "Ковальчук Бондаренко Ткаченко Кравченко Олійник Шевчук Поліщук Мельник Гнатюк Ґудзь"
).split()
UK_GIVEN = "Тарас Іван Леся Михайло Василь Ліна Олесь Григорій Павло Сергій Юрій Оксана Марія Ґрета".split()
UK_SUBJECTS = [
    "Історія України",
    "Українська література",
    "Бібліотечна справа",
    "Луганська область -- Історія",
    "Друга світова війна, 1939-1945",
    "Російсько-українська війна, 2014-",
    "Ґрунтознавство",
    "Краєзнавство",
    "Народна творчість",
    "Освіта -- Україна",
    "Мовознавство",
    "Економіка -- Україна",
]
UDC = ["94(477)", "821.161.2", "02", "631.4", "37.016", "33(477)", "908(477.61)", "81'373", "7.03", "004"]


def ukrainian_template(rng: random.Random) -> dict:
    """A MARC 21 record (as MARC-in-JSON dict) in Ukrainian."""
    return {
        "leader": "00000nam a2200000 i 4500",
        "fields": [
            {"008": "240101s2024    un            000 0 ukr d"},
            {"020": {"ind1": " ", "ind2": " ", "subfields": [{"a": "978-966-00-0000-0"}]}},
            {"041": {"ind1": "0", "ind2": " ", "subfields": [{"a": "ukr"}]}},
            {"080": {"ind1": " ", "ind2": " ", "subfields": [{"a": rng.choice(UDC)}]}},
            {"100": {"ind1": "1", "ind2": " ", "subfields": [{"a": "Шевченко, Тарас"}]}},
            {"245": {"ind1": "1", "ind2": "0", "subfields": [{"a": "Кобзар"}]}},
            {"264": {"ind1": " ", "ind2": "1", "subfields": [{"a": "Київ"}, {"b": "Дніпро"}, {"c": "2024"}]}},
            {"300": {"ind1": " ", "ind2": " ", "subfields": [{"a": "320 с."}]}},
            {"650": {"ind1": " ", "ind2": "4", "subfields": [{"a": rng.choice(UK_SUBJECTS)}]}},
        ],
    }


def load_templates() -> list[tuple[str, dict, list[str], list[str]]]:
    """(format, MARC-in-JSON dict, title words, author names) of every real template record."""
    out = []
    for name in TEMPLATE_FILES:
        path = DATA / name
        if not path.exists():
            continue
        for item in read_records(path):
            if item.record is None:
                continue
            d = item.record.as_dict()
            words, names = [], []
            for f in d["fields"]:
                ((tag, body),) = f.items()
                if isinstance(body, dict) and tag in ("245", "200"):
                    words += " ".join(v for s in body["subfields"] for k, v in s.items() if k == "a").split()
                if isinstance(body, dict) and tag in ("100", "700", "700"):
                    names += [v for s in body["subfields"] for k, v in s.items() if k == "a"]
            out.append((item.format, d, [w.strip(" /:;,.") for w in words if len(w) > 2], names))
    return out


def _replace(fields: list, tag: str, subfields: list) -> list:
    new = {tag: {"ind1": "1", "ind2": "0", "subfields": subfields}}
    out = [f for f in fields if tag not in f]
    out.append(new)
    return sorted(out, key=lambda f: next(iter(f)))


def generate(n: int, seed: int = 42) -> list[tuple[str, str]]:
    """n (format, MARC-in-JSON text) records: a third Ukrainian, the rest varied real records."""
    rng = random.Random(seed)
    templates = load_templates()
    latin_words = sorted({w for _, _, ws, _ in templates for w in ws if w.isascii()}) or ["history"]
    cyr_words = sorted({w for _, _, ws, _ in templates for w in ws if not w.isascii()}) or UK_WORDS
    out = []
    for i in range(n):
        year = str(rng.randint(1950, 2025))
        if i % 3 == 0 or not templates:
            d = ukrainian_template(rng)
            title = " ".join(rng.sample(UK_WORDS, rng.randint(2, 6)))
            author = f"{rng.choice(UK_SURNAMES)}, {rng.choice(UK_GIVEN)}"
            fields = _replace(d["fields"], "245", [{"a": title[0].upper() + title[1:]}])
            fields = _replace(fields, "100", [{"a": author}])
            fields = _replace(fields, "264", [{"a": "Київ"}, {"b": "Дніпро"}, {"c": year}])
            out.append(("marc21", json.dumps({"leader": d["leader"], "fields": fields}, ensure_ascii=False)))
            continue
        fmt, d, words, names = templates[i % len(templates)]
        pool = cyr_words if fmt == "unimarc" else latin_words
        title = " ".join(rng.sample(pool, min(len(pool), rng.randint(2, 6))))
        if fmt == "unimarc":
            fields = _replace(d["fields"], "200", [{"a": title}])
            fields = _replace(fields, "100", [{"a": f"{year}0101d{year}    u  y0rusy0189    ca"}])
        else:
            fields = _replace(d["fields"], "245", [{"a": title}])
            f008 = next((f["008"] for f in d["fields"] if "008" in f), "")
            if len(f008) >= 15:
                fields = [{"008": f008[:7] + year + f008[11:]} if "008" in f else f for f in fields]
        out.append((fmt, json.dumps({"leader": d["leader"], "fields": fields}, ensure_ascii=False)))
    return out


def bench_document(item):
    """The search document of ``(number, (format, MARC-in-JSON))`` with made-up copy data."""
    i, (fmt, text) = item
    extra = {"availability": ["available"] if i % 4 else ["on_loan"], "inv": [f"{i:07d}"]}
    return build_document(i, record_from_json(text), fmt, extra=extra)


def documents(records):
    return map(bench_document, enumerate(records, 1))


def query_mix(seed: int = 7) -> list[tuple[str, Query]]:
    """A fixed mix of 240 queries: (category, query)."""
    rng = random.Random(seed)
    facets = ["material_type", "language", "year", "subject", "udc_class", "availability"]
    latin = "history church music law united states journal theory world university science art war".split()
    translit = "Kyiv Shevchenko Ukrainy istoriia biblioteka Lviv Kharkiv literatura kultura Franko".split()
    mix: list[tuple[str, Query]] = []
    for _ in range(40):
        mix.append(("one-word cyrillic", Query(text=rng.choice(UK_WORDS), facets=facets)))
    for _ in range(30):
        mix.append(("one-word latin", Query(text=rng.choice(latin), facets=facets)))
    for _ in range(30):
        mix.append(("multi-word", Query(text=" ".join(rng.sample(UK_WORDS, 2)), facets=facets)))
    for _ in range(10):
        mix.append(("multi-word", Query(text=" ".join(rng.sample(latin, 2)), facets=facets)))
    for _ in range(30):
        a, b = rng.sample(UK_WORDS, 2)
        mix.append(("phrase", Query(text=f'"{a} {b}"', facets=facets)))
    for _ in range(20):
        mix.append(("translit", Query(text=rng.choice(translit), facets=facets)))
    for _ in range(10):
        mix.append(("prefix", Query(text=rng.choice(UK_WORDS)[:4] + "*", facets=facets)))
    for _ in range(30):
        kind = rng.choice(["title", "author", "subject", "year", "udc"])
        value = {
            "title": rng.choice(UK_WORDS),
            "author": rng.choice(UK_SURNAMES),
            "subject": rng.choice(["історія", "війна", "література", "history"]),
            "year": str(rng.randint(1950, 2025)),
            "udc": rng.choice(UDC)[:2],
        }[kind]
        mix.append(("fielded", Query(text=f"{kind}:{value}", facets=facets)))
    for _ in range(40):
        filters = rng.choice(
            [
                {"language": "ukr"},
                {"material_type": "book"},
                {"availability": "available"},
                {"udc_class": "9"},
                {"language": ["eng", "rus"]},
            ]
        )
        text = rng.choice(UK_WORDS + latin)
        mix.append(("faceted", Query(text=text, filters=filters, facets=facets, year_from=1990)))
    return mix


def _cpu() -> float:
    """CPU seconds used by this process and its finished children (the indexing workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def percentile(values, p):
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="records to generate (default 100000)")
    parser.add_argument("--index", help="index directory (default: a temporary one)")
    parser.add_argument("--procs", type=int, default=2, help="indexing processes")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--skip-build", action="store_true", help="reuse an existing --index")
    parser.add_argument("--no-optimize", action="store_true", help="keep one segment per indexing process")
    args = parser.parse_args(argv)

    path = Path(args.index) if args.index else Path(tempfile.mkdtemp(prefix="kataloh-bench-"))
    ix = SearchIndex(path)
    if not args.skip_build:
        t0 = time.perf_counter()
        records = generate(args.n, args.seed)
        print(
            f"generated {len(records)} MARC-in-JSON records in {time.perf_counter() - t0:.1f} s", flush=True
        )

        t0 = time.perf_counter()
        sample = min(len(records), 5000)
        for _ in documents(records[:sample]):
            pass
        dt = time.perf_counter() - t0
        print(f"parse + extract + build_document: {sample / dt:.0f} records/s (one process)", flush=True)

        t0 = time.perf_counter()
        cpu0 = _cpu()
        last = [t0]

        def progress(n):
            now = time.perf_counter()
            if now - last[0] > 10:
                print(f"  {n} indexed, {n / (now - t0):.0f} docs/s", flush=True)
                last[0] = now

        n = ix.rebuild(enumerate(records, 1), progress=progress, procs=args.procs, optimize=not args.no_optimize,
                       make_doc=bench_document)
        dt = time.perf_counter() - t0
        print(
            f"reindex {n} records (parse + extract + index + merge, procs={args.procs}): "
            f"{dt:.1f} s, {n / dt:.0f} docs/s; CPU (all processes) {_cpu() - cpu0:.1f} s; "
            f"load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    print(f"index: {ix.doc_count()} documents at {path}")

    mix = query_mix()
    for _, q in mix:  # warm-up: open searcher, fill facet columns and lemma caches
        ix.search(q)
    print(
        f"load average before measuring: {os.getloadavg()[0]:.1f} (2 cores; other work on the machine slows wall times)"
    )
    for label, with_facets in (("with 6 facets", True), ("without facets", False)):
        wall: dict[str, list[float]] = {}
        cpu: dict[str, list[float]] = {}
        for cat, q in mix:
            if not with_facets:
                q = Query(**{**q.__dict__, "facets": []})
            t0, c0 = time.perf_counter(), time.process_time()
            hits = ix.search(q)
            cpu.setdefault(cat, []).append((time.process_time() - c0) * 1000)
            wall.setdefault(cat, []).append((time.perf_counter() - t0) * 1000)
            assert hits.total >= 0
        every = [t for ts in wall.values() for t in ts]
        every_cpu = [t for ts in cpu.values() for t in ts]
        print(
            f"\nsearch latency, {len(every)} queries, {label}: wall p50 {percentile(every, 50):.1f} ms, "
            f"p95 {percentile(every, 95):.1f} ms, max {max(every):.1f} ms; "
            f"CPU p50 {percentile(every_cpu, 50):.1f} ms, p95 {percentile(every_cpu, 95):.1f} ms"
        )
        for cat, ts in wall.items():
            print(
                f"  {cat:18s} n={len(ts):3d}  wall p50 {percentile(ts, 50):6.1f} p95 {percentile(ts, 95):6.1f}"
                f"   CPU p50 {percentile(cpu[cat], 50):6.1f} p95 {percentile(cpu[cat], 95):6.1f} ms"
            )
    totals = [ix.search(Query(text=q.text, filters=q.filters)).total for _, q in mix[:40]]
    print(f"\nhits of the first 40 queries: {totals}")


if __name__ == "__main__":
    main()
