"""The /sru endpoint: every operation and version validates against the official schemas
(tests/data/xsd, offline), and the behaviour promised in issue 5 holds on real records."""

import io

import pymarc
import pytest
from lxml import etree

from tests.sru_support import (
    DIAG1, MARC, SOAP, SRU2, SRW, ZEEREX, diagnostics, load_records, parse, text, validate_response,
)

VERSIONS = ["1.1", "1.2", "2.0"]


@pytest.fixture
def sru(app, client):
    """A client on an app holding the real records of tests/sru_support.RECORD_FILES."""
    client.records = load_records(app)
    return client


def get(client, **params):
    response = client.get("/sru", query_string=params)
    assert response.status_code == 200, response.data[:500]
    assert response.mimetype == "text/xml"
    root = parse(response.data)
    validate_response(root)
    return root


def records_of(root):
    ns = etree.QName(root).namespace
    return root.findall(f"{{{ns}}}records/{{{ns}}}record")


@pytest.mark.parametrize("version", VERSIONS)
def test_explain_validates_and_lists_every_index_in_both_languages(sru, version):
    from sru.cql import INDEXES

    root = get(sru, version=version, operation="explain")
    explain = root.find(f".//{{{ZEEREX}}}explain")
    assert explain is not None
    assert explain.findtext(f"{{{ZEEREX}}}serverInfo/{{{ZEEREX}}}database") == "sru"
    ids = {}
    for index in explain.iter(f"{{{ZEEREX}}}index"):
        titles = {t.get("lang"): t.text for t in index.findall(f"{{{ZEEREX}}}title")}
        assert titles.get("uk") and titles.get("en")
        ids[index.get("id")] = index
    assert {f"{d.set}.{d.name}" for d in INDEXES} <= set(ids)
    assert ids["dc.title"].get("scan") == "true"
    schemas = {s.get("name") for s in explain.iter(f"{{{ZEEREX}}}schema")}
    assert {"marcxml", "dc", "marcxchange", "unimarcxchange"} <= schemas
    config = {d.get("type"): d.text for d in explain.iter(f"{{{ZEEREX}}}default")}
    assert config["numberOfRecords"] == "10"
    settings = {d.get("type"): d.text for d in explain.iter(f"{{{ZEEREX}}}setting")}
    assert settings["maximumRecords"] == "100"


def test_bare_get_is_explain_in_2_0(sru):
    root = get(sru)
    assert etree.QName(root) == etree.QName(SRU2, "explainResponse")
    assert root.find(f".//{{{ZEEREX}}}explain") is not None


@pytest.mark.parametrize("version", VERSIONS)
def test_search_retrieve_returns_marcxml_that_parses_back(sru, version):
    root = get(sru, version=version, operation="searchRetrieve", query='dc.title = "Голсуорси" or dc.author = Голсуорси',
               maximumRecords="3")
    total = int(text(root, "numberOfRecords"))
    assert total >= 3
    recs = records_of(root)
    assert len(recs) == 3
    assert text(root, "nextRecordPosition") == "4"
    ns = etree.QName(root).namespace
    for rec in recs:
        data = rec.find(f"{{{ns}}}recordData/{{{MARC}}}record")
        parsed = pymarc.parse_xml_to_array(io.BytesIO(etree.tostring(data)))[0]
        assert "Голсуорси" in str(parsed)
    if version == "2.0":
        assert text(root, "resultCountPrecision").endswith("/exact")
    else:
        assert text(root, "version") == version


def test_records_round_trip_exactly(sru):
    """MARCXML from SRU parses back into the record that was saved (every field and subfield)."""
    from marc.io import record_from_json

    root = get(sru, version="1.2", query="cql.allRecords=1", maximumRecords="100")
    assert int(text(root, "numberOfRecords")) == len(sru.records)
    for rec in records_of(root):
        data = rec.find(f"{{{SRW}}}recordData/{{{MARC}}}record")
        got = pymarc.parse_xml_to_array(io.BytesIO(etree.tostring(data)))[0]
        control = got["001"].data if got["001"] else None
        originals = [r for r in sru.records.values() if r["001"] and r["001"].data == control]
        assert originals, control
        original = record_from_json(__import__("marc.io").io.record_to_json(originals[0]))
        assert [str(f) for f in got.fields] == [str(f) for f in original.fields]


def test_default_page_size_and_next_position(sru):
    root = get(sru, version="1.2", query="cql.allRecords=1")
    assert len(records_of(root)) == 10
    assert text(root, "nextRecordPosition") == "11"
    last = get(sru, version="1.2", query="cql.allRecords=1", startRecord=str(len(sru.records)), maximumRecords="5")
    assert len(records_of(last)) == 1
    assert text(last, "nextRecordPosition") is None
    [pos] = [r.findtext(f"{{{SRW}}}recordPosition") for r in records_of(last)]
    assert pos == str(len(sru.records))


def test_pages_do_not_overlap(sru):
    ids = []
    for start in (1, 4, 7):
        root = get(sru, version="1.2", query="cql.allRecords=1", startRecord=str(start), maximumRecords="3",
                   sortKeys="dc.title,,1")
        ids += [etree.tostring(r.find(f"{{{SRW}}}recordData")[0]) for r in records_of(root)]
    assert len(set(ids)) == 9


def test_maximum_records_zero_counts_only(sru):
    root = get(sru, version="1.2", query="Голсуорси", maximumRecords="0")
    assert int(text(root, "numberOfRecords")) > 0
    assert not records_of(root)
    assert text(root, "nextRecordPosition") is None


@pytest.mark.parametrize("version", VERSIONS)
def test_scan_validates_with_counts(sru, version):
    root = get(sru, version=version, operation="scan", scanClause="dc.title = к", maximumTerms="5",
               responsePosition="1")
    ns = etree.QName(root).namespace
    terms = root.findall(f"{{{ns}}}terms/{{{ns}}}term")
    assert 0 < len(terms) <= 5
    assert terms[0].findtext(f"{{{ns}}}value") >= "к"
    assert all(int(t.findtext(f"{{{ns}}}numberOfRecords")) >= 1 for t in terms)


def test_scan_author_and_errors(sru):
    root = get(sru, version="1.2", operation="scan", scanClause="dc.author=голсуорси")
    values = [t.findtext(f"{{{SRW}}}value") for t in root.iter(f"{{{SRW}}}term")]
    assert values and values[0].startswith("голсуорси")
    assert diagnostics(get(sru, version="1.2", operation="scan", scanClause="bath.isbn=1")) == [
        "info:srw/diagnostic/1/16"]
    assert diagnostics(get(sru, version="1.2", operation="scan", scanClause="dc.title=a",
                           maximumTerms="5", responsePosition="9")) == ["info:srw/diagnostic/1/120"]
    assert diagnostics(get(sru, version="1.2", operation="scan", scanClause="dc.title=a",
                           maximumTerms="5000")) == ["info:srw/diagnostic/1/121"]


@pytest.mark.parametrize("query,code", [
    ("dc.title any", 10), ("(a", 13), ('"abc', 14), ("foo.title=x", 15), ("dc.nosuch=x", 16),
    ("dc.title encloses x", 19), ("dc.title =/nosuch x", 20), ('dc.title=""', 27), ("a prox b", 39),
    ("dc.date within abc", 36), ("a sortBy dc.publisher", 80),
])
@pytest.mark.parametrize("version", VERSIONS)
def test_query_diagnostics(sru, query, code, version):
    root = get(sru, version=version, query=query)
    assert diagnostics(root) == [f"info:srw/diagnostic/1/{code}"]
    assert text(root, "numberOfRecords") == "0"


@pytest.mark.parametrize("params,code", [
    ({"query": "a", "startRecord": "0"}, 6), ({"query": "a", "maximumRecords": "x"}, 6),
    ({"operation": "searchRetrieve"}, 7), ({"query": "a", "foo": "1"}, 8),
    ({"query": "a", "recordSchema": "nosuch"}, 66), ({"query": "a", "recordPacking": "zip"}, 71),
    ({"operation": "frobnicate"}, 4), ({"version": "3.5", "query": "a"}, 5),
])
def test_parameter_diagnostics(sru, params, code):
    params.setdefault("version", "1.2")
    root = get(sru, **params)
    assert diagnostics(root) == [f"info:srw/diagnostic/1/{code}"]


def test_unknown_x_parameters_are_ignored_and_version_negotiated(sru):
    assert diagnostics(get(sru, version="1.2", query="a", **{"x-foo": "1"})) == []
    assert text(get(sru, version="1.7", operation="explain"), "version") == "1.2"
    root = get(sru, version="2.3", operation="explain")
    assert etree.QName(root).namespace == SRU2
    bad = get(sru, version="9.9", operation="explain")
    assert bad.find(f".//{{{DIAG1}}}details") is None or True
    assert diagnostics(bad) == ["info:srw/diagnostic/1/5"]


def test_first_record_out_of_range(sru):
    root = get(sru, version="1.2", query="cql.allRecords=1", startRecord="5000", maximumRecords="1")
    assert diagnostics(root) == ["info:srw/diagnostic/1/61"]
    assert int(text(root, "numberOfRecords")) == len(sru.records)


def test_booleans_relations_and_sort(sru):
    def count(q):
        return int(text(get(sru, version="1.2", query=q, maximumRecords="0"), "numberOfRecords"))

    total = len(sru.records)
    both = count("dc.author=Голсуорси")
    assert 0 < both < total
    assert count("cql.allRecords=1 not dc.author=Голсуорси") == total - both
    assert count("dc.author <> Голсуорси") == total - both
    assert count("dc.author=Голсуорси or cql.allRecords=1") == total
    assert count("dc.author any \"Голсуорси Нетакогонемає\"") == both
    assert count("dc.author all \"Голсуорси Нетакогонемає\"") == 0
    assert count("dc.author=Голсуор*") == both
    assert count("dc.author=Голсуор?и") == both
    assert count("dc.date within \"1000 3000\"") == count("dc.date >= 1000")
    root = get(sru, version="1.2", query="cql.allRecords=1 sortBy dc.date/sort.descending", maximumRecords="50",
               recordSchema="dc")
    years = [int(d.text[:4]) for d in root.iter("{http://purl.org/dc/elements/1.1/}date") if d.text[:4].isdigit()]
    assert years == sorted(years, reverse=True)


def test_exact_title_and_isbn_indexes(sru):
    from marc.extract import extract

    from marc.io import detect_format

    from search.document import normalize_isbn

    rid, isbn = next((i, extract(r, detect_format(r)).isbn[0]) for i, r in sru.records.items()
                     if any(normalize_isbn(n) for n in extract(r, detect_format(r)).isbn))
    hyphenated = normalize_isbn(isbn)[-1]  # the other form (ISBN-10 <-> ISBN-13) finds it too
    for value in (isbn, hyphenated):
        root = get(sru, version="1.2", query=f'bath.isbn="{value}"', maximumRecords="1")
        assert int(text(root, "numberOfRecords")) >= 1
        root = get(sru, version="1.2", query=f'dc.identifier="{value}"', maximumRecords="1")
        assert int(text(root, "numberOfRecords")) >= 1
    root = get(sru, version="1.2", query=f'rec.id={rid}')
    assert text(root, "numberOfRecords") == "1"


@pytest.mark.parametrize("version", VERSIONS)
def test_string_packing_and_dc(sru, version):
    packing = "recordXMLEscaping" if version == "2.0" else "recordPacking"
    root = get(sru, version=version, query="Голсуорси", maximumRecords="2", **{packing: "string"})
    ns = etree.QName(root).namespace
    for rec in records_of(root):
        data = rec.find(f"{{{ns}}}recordData")
        assert len(data) == 0 and data.text.startswith("<record")
        assert etree.fromstring(data.text.encode()).tag == f"{{{MARC}}}record"
    root = get(sru, version=version, query="Голсуорси", maximumRecords="2", recordSchema="dc")
    assert [r.findtext(f"{{{ns}}}recordSchema") for r in records_of(root)] == ["info:srw/schema/1/dc-v1.1"] * 2


def test_marcxchange_and_surrogate_diagnostics(sru):
    root = get(sru, version="1.2", query="cql.allRecords=1", maximumRecords="100", recordSchema="unimarcxchange")
    schemas = [r.findtext(f"{{{SRW}}}recordSchema") for r in records_of(root)]
    assert "info:srw/schema/1/diagnostics-v1.1" in schemas  # MARC 21 records have no UNIMARC form
    assert "info:bnf/schemas/unimarcxchange" in schemas
    surrogate = next(r for r in records_of(root) if r.findtext(f"{{{SRW}}}recordSchema").endswith("diagnostics-v1.1"))
    assert surrogate.findtext(f".//{{{DIAG1}}}uri") == "info:srw/diagnostic/1/67"
    mx = get(sru, version="1.2", query="Голсуорси", maximumRecords="1", recordSchema="marcxchange")
    assert mx.find(".//{info:lc/xmlns/marcxchange-v2}record").get("format") == "UNIMARC"


def test_only_published_records_are_served(app, sru):
    from catalog.db import get_session
    from catalog.records.services import set_status

    rid = next(iter(sru.records))
    root = get(sru, version="1.2", query=f"rec.id={rid}")
    assert text(root, "numberOfRecords") == "1"
    with app.app_context():
        set_status(get_session(), "test", rid, "draft")
    root = get(sru, version="1.2", query=f"rec.id={rid}")
    assert text(root, "numberOfRecords") == "0"


def test_echo_stylesheet_and_database(sru):
    response = sru.get("/sru/biblios", query_string={"version": "1.2", "query": "dc.title=кінця", "maximumRecords": "1",
                                                      "stylesheet": "/static/sru.xsl"})
    body = response.data
    assert b'<?xml-stylesheet type="text/xsl" href="/static/sru.xsl"?>' in body
    root = parse(body)
    validate_response(root)
    echo = root.find(f"{{{SRW}}}echoedSearchRetrieveRequest")
    assert echo.findtext(f"{{{SRW}}}query") == "dc.title=кінця"
    assert echo.find("{http://www.loc.gov/zing/cql/xcql/}searchClause") is None
    assert echo.find(f"{{{SRW}}}xQuery") is not None
    other = parse(sru.get("/sru/other", query_string={"version": "1.2", "query": "a"}).data)
    assert diagnostics(other) == ["info:srw/diagnostic/1/235"]


def soap_request(operation: str, fields: dict) -> bytes:
    parts = "".join(f"<srw:{k}>{v}</srw:{k}>" for k, v in fields.items())
    return (f'<?xml version="1.0"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP}"><SOAP-ENV:Body>'
            f'<srw:{operation} xmlns:srw="{SRW}">{parts}</srw:{operation}></SOAP-ENV:Body></SOAP-ENV:Envelope>').encode()


@pytest.mark.parametrize("operation,fields,answer", [
    ("searchRetrieveRequest", {"version": "1.2", "query": "Голсуорси", "maximumRecords": "2",
                               "recordSchema": "marcxml"}, "searchRetrieveResponse"),
    ("scanRequest", {"version": "1.2", "scanClause": "dc.title=a"}, "scanResponse"),
    ("explainRequest", {"version": "1.2"}, "explainResponse"),
])
def test_soap_like_koha(sru, operation, fields, answer):
    response = sru.post("/sru", data=soap_request(operation, fields), content_type="text/xml; charset=utf-8",
                        headers={"SOAPAction": ""})
    assert response.status_code == 200
    env = parse(response.data)
    assert etree.QName(env) == etree.QName(SOAP, "Envelope")
    body = env.find(f"{{{SOAP}}}Body")[0]
    assert etree.QName(body) == etree.QName(SRW, answer)
    validate_response(body)
    if answer == "searchRetrieveResponse":
        assert len(records_of(body)) == 2


def test_soap_malformed_is_a_fault_not_a_crash(sru):
    response = sru.post("/sru", data=b"<not-closed", content_type="text/xml")
    assert response.status_code == 400
    assert b"Fault" in response.data
    evil = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            + soap_request("searchRetrieveRequest", {"version": "1.2", "query": "&e;"})[21:])
    response = sru.post("/sru", data=evil, content_type="text/xml")
    assert b"root:" not in response.data


def test_form_post(sru):
    response = sru.post("/sru", data={"version": "1.2", "operation": "searchRetrieve", "query": "Голсуорси",
                                      "maximumRecords": "1"})
    root = parse(response.data)
    validate_response(root)
    assert len(records_of(root)) == 1


def test_rate_limit_gives_429_with_diagnostic(app, client):
    from catalog.sru import views

    app.config["SRU_RATE_LIMIT"] = (3, 60)
    views.LIMITER.hits.clear()
    codes = [client.get("/sru", query_string={"version": "1.2", "query": "a"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/sru", query_string={"version": "1.2", "query": "a"})
    assert response.headers["Retry-After"] == "60"
    assert diagnostics(parse(response.data)) == ["info:srw/diagnostic/1/2"]
    views.LIMITER.hits.clear()
