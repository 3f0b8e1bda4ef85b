"""The search index: Ukrainian-aware matching, facets, sorting, scan, robustness, concurrency."""

import multiprocessing
from types import SimpleNamespace

import pytest

from search.document import document_from_summary
from search.index import SearchIndex
from search.query import Query, parse_user_query


def summary(**kw):
    """A stand-in for marc.extract.Summary with the fields the search document reads."""
    base = dict(
        title="",
        subtitle="",
        responsibility="",
        authors=[],
        names=[],
        subjects=[],
        udc=[],
        bbk=[],
        isbn=[],
        issn=[],
        publisher="",
        place="",
        year=None,
        languages=[],
        series=[],
        notes=[],
        edition="",
        extent="",
        material_type="book",
        host_title="",
    )
    base.update(kw)
    return SimpleNamespace(**base)


# Ukrainian, Russian and English records written for these tests.
RECORDS = {
    1: summary(
        title="Бібліотека і суспільство",
        subtitle="навчальний посібник",
        authors=["Шевченко, Тарас"],
        languages=["ukr"],
        year=2008,
        udc=["02(477)"],
        isbn=["966-504-122-3"],
        subjects=["Бібліотеки -- Україна"],
        publisher="Знання",
        place="Київ",
    ),
    2: summary(
        title="Київ",
        subtitle="путівник",
        languages=["ukr"],
        year=2015,
        udc=["908(477-25)"],
        subjects=["Київ -- Путівники"],
        authors=["Коваль, Олена"],
    ),
    3: summary(
        title="Ґрунти України", languages=["ukr"], year=1999, udc=["631.4(477)"], subjects=["Ґрунтознавство"]
    ),
    4: summary(title="М\u2019ясо та м\u02bcясні продукти", languages=["ukr"], year=2001, udc=["637.5"]),
    5: summary(
        title="Библиотеки России",
        languages=["rus"],
        year=1990,
        udc=["02(470)"],
        authors=["Иванов, Иван"],
        subjects=["Библиотеки"],
    ),
    6: summary(
        title="Libraries and society",
        languages=["eng"],
        year=2020,
        authors=["Smith, John"],
        subjects=["Libraries -- History"],
        material_type="e-resource",
        isbn=["978-0-306-40615-7"],
    ),
    7: summary(title="Наслідки війни", languages=["ukr"], subjects=["Війна"], authors=["Шевченко, Олег"]),
    8: summary(
        title="Історія бібліотек Луганщини",
        languages=["ukr"],
        year=2022,
        udc=["02(477.61)"],
        notes=["Про бібліотеки краю"],
        material_type="book",
    ),
}
AVAILABILITY = {1: "available", 2: "on_loan", 3: "available", 6: "available", 8: "available"}


def docs(status=None):
    out = []
    for rid, s in RECORDS.items():
        extra = {"inv": [f"INV-{rid:04d}"]}
        if rid in AVAILABILITY:
            extra["availability"] = AVAILABILITY[rid]
        out.append(document_from_summary(rid, s, status=(status or {}).get(rid, "published"), extra=extra))
    return out


@pytest.fixture(scope="module")
def ix(tmp_path_factory):
    index = SearchIndex(tmp_path_factory.mktemp("ix"))
    assert index.needs_rebuild  # a new, empty index wants a rebuild
    index.rebuild(docs(status={7: "draft"}), procs=1)
    assert not index.needs_rebuild
    return index


def ids(ix, text="", **kw):
    return sorted(ix.search(Query(text=text, status=kw.pop("status", ("published",)), **kw)).ids, key=int)


def test_inflected_ukrainian_query_finds_lemma(ix):
    assert ids(ix, "бібліотеках") == ["1", "8"]
    assert ids(ix, "бібліотека") == ["1", "8"]


def test_russian_inflection(ix):
    assert ids(ix, "библиотеки") == ["5"]
    assert ids(ix, "библиотеках") == ["5"]


@pytest.mark.parametrize("q", ["Київ", "Києві", "Kyiv", "Kyjiv", "kyïv"])
def test_kyiv_in_both_scripts(ix, q):
    assert "2" in ids(ix, q)


def test_latin_name_finds_cyrillic_author(ix):
    assert ids(ix, "author:Shevchenko") == ["1"]
    assert ids(ix, "Shevchenko") == ["1"]


@pytest.mark.parametrize("q", ["ґрунт", "грунт", "грунтів", "Ґрунти"])
def test_ghe_folding(ix, q):
    assert ids(ix, q) == ["3"]


@pytest.mark.parametrize("apostrophe", ["'", "\u02bc", "\u2019", "\u2018", "`", "\u00b4"])
def test_apostrophes(ix, apostrophe):
    assert ids(ix, f"м{apostrophe}ясо") == ["4"]


def test_apostrophe_left_out(ix):
    assert ids(ix, "мясо") == ["4"]


def test_words_are_anded(ix):
    assert ids(ix, "бібліотека суспільство") == ["1"]
    assert ids(ix, "бібліотека путівник") == []


def test_phrase(ix):
    assert ids(ix, '"бібліотека і суспільство"') == ["1"]
    assert ids(ix, '"суспільство і бібліотека"') == []
    assert ids(ix, '"libraries and society"') == ["6"]


def test_prefix(ix):
    assert ids(ix, "біблі*") == ["1", "8"]
    assert ids(ix, "Kyi*") == ["1", "2"]  # 1 was published in Київ
    assert ids(ix, "title:Kyi*") == ["2"]


def test_negation(ix):
    assert ids(ix, "бібліотека -луганщини") == ["1"]


def test_fielded_search(ix):
    assert ids(ix, "title:суспільство") == ["1"]
    assert ids(ix, "title:society") == ["6"]
    assert ids(ix, "author:шевченко") == ["1"]
    assert ids(ix, "subject:бібліотеки") == ["1"]
    assert ids(ix, "subject:history") == ["6"]
    assert ids(ix, "udc:02") == ["1", "5", "8"]
    assert ids(ix, "udc:02(477") == ["1", "8"]
    assert ids(ix, "year:1999") == ["3"]
    assert ids(ix, "year:2000-2010") == ["1", "4"]
    assert ids(ix, "publisher:знання") == ["1"]
    assert ids(ix, "inv:INV-0003") == ["3"]
    assert ids(ix, fields={"title": "бібліотек", "author": "Шевченко"}) == ["1"]
    assert ids(ix, fields={"isbn": "966-504-122-3"}) == ["1"]


@pytest.mark.parametrize("isbn", ["9665041223", "978-966-504-122-1", "9789665041221", "isbn:966-504-122-3"])
def test_isbn_10_and_13(ix, isbn):
    assert ids(ix, isbn) == ["1"]


def test_notes_are_searchable_in_the_default_field(ix):
    assert ids(ix, "краю") == ["8"]


def test_status_filter(ix):
    assert ids(ix, "війна") == []  # record 7 is a draft
    assert ids(ix, "війна", status=("published", "draft")) == ["7"]
    assert ids(ix, "війна", status=None) == ["7"]


def test_title_and_author_rank_above_other_fields(ix):
    # "бібліотеки" is in the title of 1 and 8, a subject of 1 and only a note of 8... and
    # "шевченко" is the author of 1 but nowhere else.
    hits = ix.search(Query(text="бібліотеки"))
    assert hits.ids[0] in ("1", "8")
    assert ix.search(Query(text="Luhanshchyny")).ids == ["8"]


def test_facets_count(ix):
    hits = ix.search(
        Query(facets=["language", "material_type", "year", "udc_class", "availability", "subject"])
    )
    assert hits.total == 7
    f = hits.facets
    assert f["language"] == [("ukr", 5), ("eng", 1), ("rus", 1)]
    assert f["material_type"] == [("book", 6), ("e-resource", 1)]
    assert dict(f["udc_class"]) == {"0": 3, "9": 1, "6": 2}
    assert f["availability"] == [("available", 4), ("on_loan", 1)]
    assert dict(f["year"]) == {"2008": 1, "2015": 1, "1999": 1, "2001": 1, "1990": 1, "2020": 1, "2022": 1}
    assert ("Київ -- Путівники", 1) in f["subject"]


def test_facets_follow_the_query_and_filters(ix):
    hits = ix.search(Query(text="бібліотека", facets=["year", "language"]))
    assert hits.total == 2
    assert hits.facets["year"] == [("2008", 1), ("2022", 1)]
    hits = ix.search(Query(filters={"language": "ukr", "availability": "available"}, facets=["udc_class"]))
    assert sorted(hits.ids, key=int) == ["1", "3", "8"]
    assert dict(hits.facets["udc_class"]) == {"0": 2, "6": 1}
    hits = ix.search(Query(filters={"language": ["rus", "eng"]}))
    assert sorted(hits.ids, key=int) == ["5", "6"]
    assert ids(ix, filters={"year": 2015}) == ["2"]
    assert ids(ix, filters={"udc_class": "0"}) == ["1", "5", "8"]


def test_year_range(ix):
    assert ids(ix, year_from=2001, year_to=2015) == ["1", "2", "4"]
    assert ids(ix, "бібліотека", year_from=2010) == ["8"]


def test_sort_by_year_and_title(ix):
    assert ix.search(Query(sort="year")).ids == ["5", "3", "4", "1", "2", "6", "8"]
    assert ix.search(Query(sort="-year")).ids == ["8", "6", "2", "1", "4", "3", "5"]
    # Latin first, then the Ukrainian alphabet: Библиотеки < Бібліотека < Ґрунти < Історія < Київ < М'ясо
    assert ix.search(Query(sort="title")).ids == ["6", "5", "1", "3", "8", "2", "4"]
    assert ix.search(Query(sort="-title")).ids == ["4", "2", "8", "3", "1", "5", "6"]


def test_pagination(ix):
    first = ix.search(Query(sort="year", per_page=3, page=1))
    second = ix.search(Query(sort="year", per_page=3, page=3))
    assert first.total == second.total == 7
    assert first.ids == ["5", "3", "4"]
    assert second.ids == ["8"]
    assert ix.search(Query(sort="year", per_page=3, page=9)).ids == []


def test_suggestion_for_a_misspelling(ix):
    hits = ix.search(Query(text="libraires"))
    assert hits.total == 0
    assert hits.suggestion == "libraries"
    assert ix.search(Query(text="суспільсво")).suggestion == "суспільство"
    assert ix.search(Query(text="бібліотека")).suggestion is None


def test_scan_with_response_position(ix):
    titles = ix.scan("title", "", 1, 20)
    assert [t for t, _ in titles] == [
        "libraries and society",
        "библиотеки россии",
        "бібліотека і суспільство",
        "ґрунти україни",
        "історія бібліотек луганщини",
        "київ",
        "м'ясо та мʼясні продукти".replace("ʼ", "'"),
    ]
    assert ix.scan("title", "к", 1, 2) == [("київ", 1), ("м'ясо та м'ясні продукти", 1)]
    assert ix.scan("title", "к", 2, 2) == [("історія бібліотек луганщини", 1), ("київ", 1)]
    assert ix.scan("title", "к", 0, 1) == [("м'ясо та м'ясні продукти", 1)]
    assert ix.scan("title", "к", 9, 3) == []
    assert ix.scan("author", "шевченко", 1, 1) == [("шевченко тарас", 1)]  # the draft's author is not listed
    assert ("бібліотеки україна", 1) in ix.scan("subject", "б", 1, 5)
    assert ix.scan("udc", "02", 1, 3) == [("02(470)", 1), ("02(477)", 1), ("02(477.61)", 1)]


def test_update_replaces_and_delete_removes(tmp_path):
    index = SearchIndex(tmp_path / "ix")
    index.update(docs())
    assert index.doc_count() == 8
    changed = document_from_summary(2, summary(title="Львів", languages=["ukr"], year=2016))
    index.update([changed])
    assert index.doc_count() == 8
    assert ids(index, "путівник") == []
    assert ids(index, "Lviv") == ["2"]
    assert ("львів", 1) in index.scan("title", "львів", 1, 1)
    index.delete(["2", "404"])
    assert index.doc_count() == 7
    assert ids(index, "Lviv") == []
    assert [t for t, _ in index.scan("title", "львів", 1, 1)] == ["м'ясо та м'ясні продукти"]


def test_missing_index_directory_is_recreated(tmp_path):
    path = tmp_path / "gone"
    index = SearchIndex(path)
    index.rebuild(docs(), procs=1)
    assert index.is_healthy()
    import shutil

    shutil.rmtree(path)
    assert index.search(Query(text="бібліотека")).total == 0
    assert index.needs_rebuild and not index.is_healthy()
    index.rebuild(docs(), procs=1)
    assert index.is_healthy()
    assert ids(index, "бібліотека") == ["1", "8"]


def test_corrupt_index_is_recreated_empty(tmp_path):
    path = tmp_path / "ix"
    first = SearchIndex(path)
    first.rebuild(docs(), procs=1)
    first.close()
    (path / "search.sqlite").write_bytes(b"garbage" * 1000)
    index = SearchIndex(path)
    assert index.needs_rebuild
    assert index.doc_count() == 0
    assert index.search(Query(text="бібліотека")).total == 0
    index.update(docs()[:1])
    assert ids(index, "бібліотека") == ["1"]


def test_parallel_rebuild(tmp_path):
    index = SearchIndex(tmp_path / "ix")
    seen = []
    n = index.rebuild(docs() * 1, progress=seen.append, procs=2, batch=3)
    assert n == 8 and seen[-1] == 8
    assert index.doc_count() == 8
    assert ids(index, "title:Kyiv") == ["2"]


def _writer_process(path, worker, count):
    index = SearchIndex(path, lock_timeout=120)
    for i in range(count):
        rid = worker * 1000 + i
        doc = document_from_summary(
            rid, summary(title=f"Збірник {rid} праць", languages=["ukr"], year=2000 + i)
        )
        index.update([doc])


def test_concurrent_writers_lose_nothing(tmp_path):
    path = tmp_path / "ix"
    SearchIndex(path).update(docs())
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_writer_process, args=(str(path), w, 15)) for w in range(1, 5)]
    for p in workers:
        p.start()
    for p in workers:
        p.join(180)
        assert p.exitcode == 0
    index = SearchIndex(path)
    assert index.doc_count() == 8 + 4 * 15
    hits = index.search(Query(text="збірник", per_page=100))
    assert sorted(hits.ids, key=int) == sorted(str(w * 1000 + i) for w in range(1, 5) for i in range(15))


def test_parse_user_query():
    clauses = parse_user_query(
        'біблі* "exact phrase" title:Київ author:"Шевченко Тарас" -war year:2000-2010 x:y'
    )
    assert [(c.field, c.kind, c.text, c.negated) for c in clauses] == [
        ("all", "prefix", "біблі", False),
        ("all", "phrase", "exact phrase", False),
        ("title", "word", "Київ", False),
        ("names", "phrase", "Шевченко Тарас", False),
        ("all", "word", "war", True),
        ("year", "range", "2000-2010", False),
        ("all", "word", "x:y", False),
    ]


def test_facets_of_no_match(ix):
    hits = ix.search(Query(text="зззщщщ", facets=["year", "language"]))
    assert hits.total == 0
    assert hits.facets == {"year": [], "language": []}


def test_another_index_object_sees_every_write(tmp_path):
    """Each process keeps filter and facet arrays in memory; they follow other processes' writes."""
    reader, writer = SearchIndex(tmp_path / "ix"), SearchIndex(tmp_path / "ix")
    writer.update(docs())
    assert reader.search(Query(facets=["language"])).facets["language"][0] == ("ukr", 6)
    writer.update([document_from_summary(9, summary(title="Нова книга", languages=["ukr"], year=2023))])
    hits = reader.search(Query(facets=["language", "year"]))
    assert hits.facets["language"][0] == ("ukr", 7) and ("2023", 1) in hits.facets["year"]
    assert ids(reader, "книга") == ["9"]
    writer.delete(["9"])
    assert reader.search(Query(facets=["language"])).facets["language"][0] == ("ukr", 6)
    writer.rebuild(docs()[:2], procs=1)
    assert reader.search(Query()).total == 2


def test_scan_keeps_non_cyrillic_titles(tmp_path):
    index = SearchIndex(tmp_path / "ix")
    index.update([document_from_summary(1, summary(title="一本书")), document_from_summary(2, summary(title="Ωμέγα"))])
    assert [t for t, _ in index.scan("title", "", 1, 5)] == ["ωμέγα", "一本书"]


def test_original_language_title_above_translation(tmp_path):
    index = SearchIndex(tmp_path / "ix")
    index.update([document_from_summary(1, summary(title="Кобзар", languages=["ukr"])),
                  document_from_summary(2, summary(title="Kobzar", subtitle="Кобзар", languages=["eng"],
                                                   translation=True))])
    assert index.search(Query(text="кобзар")).ids == ["1", "2"]  # newer first otherwise


def test_english_phrase(ix):
    assert ids(ix, '"libraries and society"') == ["6"]
    assert ids(ix, '"society and libraries"') == []


def test_a_writer_can_give_up_early_while_another_holds_the_index(tmp_path):
    import threading

    from search.index import IndexBusyError

    holder, other = SearchIndex(tmp_path / "ix"), SearchIndex(tmp_path / "ix")
    holder.update(docs())
    started, release = threading.Event(), threading.Event()

    def slow_docs():
        started.set()
        release.wait(10)
        yield from docs()

    thread = threading.Thread(target=lambda: holder.rebuild(slow_docs(), procs=1))
    thread.start()
    started.wait(10)
    with pytest.raises(IndexBusyError), other.waiting_at_most(0.2):
        other.update(docs()[:1])
    assert holder.search(Query(status=None)).total == 8  # the rebuilding object still searches the old index
    release.set()
    thread.join(10)
    assert other.update(docs()[:1]) == 1 and other.doc_count() == 8
