"""Property-based tests: random and malformed CQL, parameters and SOAP bodies get SRU
answers (valid against the schemas, diagnostics where needed), never an HTTP 500."""

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree

from tests.sru_support import SOAP, SRW, load_records, parse, validate_response

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

INDEXES = ["dc.title", "dc.creator", "dc.author", "dc.subject", "dc.date", "dc.identifier", "dc.publisher",
           "dc.language", "dc.type", "bath.isbn", "bath.issn", "bath.name", "bath.personalName",
           "bath.corporateName", "bath.topicalSubject", "bath.standardIdentifier", "rec.id", "kat.udc", "kat.inv",
           "cql.serverChoice", "cql.allRecords", "cql.anywhere", "srw.serverChoice", "title", "foo.bar", "dc.nosuch"]
RELATIONS = ["=", "==", "<>", "<", ">", "<=", ">=", "adj", "all", "any", "within", "encloses", "exact", "scr",
             "=/stem", "=/relevant", "any/masked", "=/unmasked", "=/nosuch", "all/cql.string"]
WORDS = ["війна", "Голсуорси", "сага", "war", "peace", "*", "?", "^", "кін*", "w?r", "1990", "2000 2010",
         "1990-2000", "", "\\", "\\*", "978-966-504-122-9", "94(477)", "a b c", "'", "ґрунт", "ʼ", "\x00", "\u202e"]
BOOLEANS = ["and", "or", "not", "prox", "AND", "Or", "and/x", "prox/unit=word"]


@st.composite
def cql_like(draw, depth=0):
    """Mostly well-formed CQL with random breakage."""
    if depth < 3 and draw(st.booleans()):
        left, right = draw(cql_like(depth + 1)), draw(cql_like(depth + 1))
        q = f"{left} {draw(st.sampled_from(BOOLEANS))} {right}"
        return f"({q})" if draw(st.booleans()) else q
    term = draw(st.one_of(st.sampled_from(WORDS), st.text(max_size=12)))
    if draw(st.booleans()):
        term = '"' + term.replace('"', '\\"') + '"'
    if draw(st.booleans()):
        return term or '""'
    return f"{draw(st.sampled_from(INDEXES))} {draw(st.sampled_from(RELATIONS))} {term or chr(34) * 2}"


@st.composite
def queries(draw):
    base = draw(st.one_of(cql_like(), st.text(max_size=60)))
    if draw(st.integers(0, 4)) == 0:
        base += f" sortBy {draw(st.sampled_from(INDEXES))}{draw(st.sampled_from(['', '/sort.descending', '/x']))}"
    if draw(st.integers(0, 6)) == 0:
        cut = draw(st.integers(0, len(base)))
        base = base[:cut] + draw(st.sampled_from(['"', "(", ")", "/", "=", " and", "> dc=x "])) + base[cut:]
    return base


PARAM_NAMES = ["version", "operation", "query", "startRecord", "maximumRecords", "recordPacking", "recordSchema",
               "recordXMLEscaping", "sortKeys", "stylesheet", "scanClause", "responsePosition", "maximumTerms",
               "resultSetTTL", "queryType", "recordXPath", "x-foo", "bogus", "httpAccept", "renderedBy"]
VALUES = st.one_of(
    st.sampled_from(["1.1", "1.2", "2.0", "3", "", "searchRetrieve", "scan", "explain", "0", "1", "-1", "10",
                     "99999999999", "xml", "string", "packed", "unpacked", "marcxml", "dc", "unimarcxchange",
                     "dc.title=к", "dc.title,,0", "http://x/y.xsl", 'a"b', "?>", "client"]),
    st.text(max_size=20),
)


@pytest.fixture
def sru(app, client):
    app.config["SRU_RATE_LIMIT"] = None
    load_records(app, ["yaz/marccol1.u8.marc"])
    return client


def check(response):
    assert response.status_code == 200, response.data[:300]
    assert b"info:srw/diagnostic/1/1<" not in response.data  # no "general system error": every case handled
    root = parse(response.data)
    validate_response(root)
    return root


@SETTINGS
@given(query=queries(), version=st.sampled_from(["1.1", "1.2", "2.0"]))
@example(query="dc.title = \x08", version="1.2")  # found by hypothesis: control characters in the echo
@example(query="dc.title = 😀 and \x1f", version="1.1")
def test_random_cql_gets_records_or_diagnostics(sru, query, version):
    check(sru.get("/sru", query_string={"version": version, "query": query, "maximumRecords": "2"}))


@SETTINGS
@given(params=st.dictionaries(st.sampled_from(PARAM_NAMES), VALUES, max_size=8))
def test_random_parameters_get_sru_answers(sru, params):
    check(sru.get("/sru", query_string=params))
    check(sru.post("/sru", data=params))


@SETTINGS
@given(clause=st.one_of(queries(), st.text(max_size=30)), position=VALUES, terms=VALUES)
@example(clause="", position="²", terms="1.1")  # found by hypothesis: Unicode digits are not numbers
def test_random_scans(sru, clause, position, terms):
    check(sru.get("/sru", query_string={"version": "1.2", "operation": "scan", "scanClause": clause,
                                        "responsePosition": position, "maximumTerms": terms}))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=queries(), noise=st.binary(max_size=40), wrap=st.booleans())
def test_random_soap_bodies_never_crash(sru, query, noise, wrap):
    escaped = query.replace("&", "&amp;").replace("<", "&lt;")
    body = (f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP}"><SOAP-ENV:Body><srw:searchRetrieveRequest xmlns:srw="{SRW}">'
            f"<srw:version>1.2</srw:version><srw:query>{escaped}</srw:query>"
            "</srw:searchRetrieveRequest></SOAP-ENV:Body></SOAP-ENV:Envelope>").encode()
    if not wrap:
        body = noise + body[: len(body) // 2]
    response = sru.post("/sru", data=body, content_type="text/xml")
    assert response.status_code in (200, 400)
    env = parse(response.data)
    assert etree.QName(env).localname == "Envelope"
    if response.status_code == 200:
        assert b"info:srw/diagnostic/1/1<" not in response.data
        validate_response(env.find(f"{{{SOAP}}}Body")[0])
