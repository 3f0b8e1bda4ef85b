"""Search documents and the index over real MARC 21 and UNIMARC records from tests/data."""

from collections import Counter
from pathlib import Path

import pytest

from marc.io import read_records
from search.document import build_document
from search.index import SearchIndex
from search.query import Query

DATA = Path(__file__).parent / "data"
FILES = [
    "folio-mod-source-record-manager/CornellFOLIOExemplars_Bibs.mrc",  # MARC 21, many material types
    "marc2bibframe2/loc_general.xml",  # MARC 21 (Library of Congress)
    "irbis/test1.iso",  # RUSMARC, cp1251 (National Library of Russia)
    "marc4s/rusmarc-utf8-galsworthy-example.iso",  # RUSMARC, UTF-8
]


def load():
    out = []
    for name in FILES:
        for item in read_records(DATA / name):
            if item.record is not None:
                out.append((f"{name}#{item.position}", item.record, item.format))
    return out


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    records = load()
    docs = [
        build_document(i, rec, fmt, extra={"availability": "available" if i % 2 else "on_loan"})
        for i, (_, rec, fmt) in enumerate(records, 1)
    ]
    index = SearchIndex(tmp_path_factory.mktemp("real"))
    index.rebuild(docs, procs=1)
    return index, docs


def by_id(docs):
    return {d["id"]: d for d in docs}


def test_documents_of_real_records(corpus):
    _, docs = corpus
    assert len(docs) == 62 + 99 + 81 + 36
    for doc in docs:
        assert doc["id"] and doc["status"] == "published"
        assert isinstance(doc["names"], list) and isinstance(doc["subjects"], list)
        assert doc["year"] is None or isinstance(doc["year"], int)  # one Cornell record says 2557 (Thai era)
        for isbn in doc["isbn"]:
            assert isbn.isdigit() or (isbn[:-1].isdigit() and isbn[-1] == "X")
    velikovsky = next(d for d in docs if d["title"].startswith("Immanuel Velikovsky"))
    assert velikovsky["isbn"] == ["1906833214", "9781906833213"]
    assert velikovsky["language"] == ["eng"] and velikovsky["year"] == 2010
    assert "Astronomy -- History" in velikovsky["subjects"]
    galsworthy = [d for d in docs if "Голсуорси, Джон" in d["names"]]
    assert galsworthy and all(d["language"] == ["rus"] for d in galsworthy)


def test_whole_corpus_is_indexed(corpus):
    index, docs = corpus
    assert index.doc_count() == len(docs)
    assert index.search(Query()).total == len(docs)


def test_language_and_type_facets_match_the_documents(corpus):
    index, docs = corpus
    hits = index.search(
        Query(facets=["language", "material_type", "availability", "udc_class"], facet_limit=100)
    )
    expected = Counter(code for d in docs for code in d["language"])
    assert dict(hits.facets["language"]) == dict(expected)
    assert dict(hits.facets["material_type"]) == dict(
        Counter(d["material_type"] for d in docs if d["material_type"])
    )
    assert dict(hits.facets["availability"]) == {"available": (len(docs) + 1) // 2, "on_loan": len(docs) // 2}


def test_russian_records_by_inflected_word_and_transliteration(corpus):
    index, docs = corpus
    docs_by_id = by_id(docs)
    hits = index.search(Query(text="главой"))  # 'Конец главы'
    assert any(docs_by_id[i]["title"] == "Конец главы" for i in hits.ids)
    names = index.search(Query(text="author:Голсуорси")).ids
    assert names and all(
        "Голсуорси, Д." in docs_by_id[i]["names"] or "Голсуорси, Джон" in docs_by_id[i]["names"]
        for i in names
    )
    assert set(index.search(Query(text="author:Golsuorsi", per_page=100)).ids) == set(
        index.search(Query(text="author:Голсуорси", per_page=100)).ids
    )


def test_english_stemming_and_isbn(corpus):
    index, docs = corpus
    docs_by_id = by_id(docs)
    ids = index.search(Query(text="astronomer")).ids
    assert any(docs_by_id[i]["title"].startswith("Immanuel Velikovsky") for i in ids)
    for isbn in ("1906833214", "978-1-906833-21-3"):
        assert [docs_by_id[i]["title"][:19] for i in index.search(Query(text=isbn)).ids] == [
            "Immanuel Velikovsky"
        ]


def test_year_sort_on_real_records(corpus):
    index, docs = corpus
    docs_by_id = by_id(docs)
    hits = index.search(Query(sort="-year", per_page=50))
    years = [docs_by_id[i]["year"] for i in hits.ids]
    known = [y for y in years if y is not None]
    assert known == sorted(known, reverse=True)
    assert known[0] == max(d["year"] for d in docs if d["year"])


def test_scan_titles_of_real_records(corpus):
    index, docs = corpus
    terms = index.scan("title", "конец", 1, 3)
    assert terms[0][0].startswith("конец главы")
    assert all(count >= 1 for _, count in terms)
