"""CQL -> search tree mapping and version negotiation (no database)."""

import pytest

from search.query import Clause, Node
from sru.cql import parse_sort_keys, translate
from sru.diagnostics import SRUDiagnostic
from sru.request import from_params, from_soap, negotiate


def tree(q):
    return translate(q).tree


def test_indexes_relations_and_booleans():
    assert tree("війна") == Clause("all", "word", "війна")
    assert tree('dc.title any "war peace"') == Node("or", (Clause("title", "word", "war"), Clause("title", "word", "peace")))
    assert tree('dc.title all "war peace"') == Node("and", (Clause("title", "word", "war"), Clause("title", "word", "peace")))
    assert tree('dc.title adj "war and peace"') == Clause("title", "phrase", "war and peace")
    assert tree('dc.title == "Війна і мир"') == Clause("title_key", "word", "Війна і мир")
    assert tree("dc.creator = Шевч*") == Clause("names", "prefix", "Шевч")
    assert tree("bath.personalName = w?r") == Clause("names", "wildcard", "w?r")
    assert tree("bath.isbn = 9789665041227") == Clause("isbn", "word", "9789665041227")
    assert tree('kat.udc = "94(477)"') == Clause("udc", "word", "94(477)")
    assert tree("kat.inv = 12345") == Clause("x_inv", "word", "12345")
    assert tree("rec.id = 7") == Clause("id", "word", "7")
    assert tree("cql.allRecords = 1") == Node("all")
    assert tree("dc.subject <> війна") == Node("not", (Node("all"), Clause("subjects", "word", "війна")))
    assert tree("a and (b or c) not d") == Node("not", (
        Node("and", (Clause("all", "word", "a"), Node("or", (Clause("all", "word", "b"), Clause("all", "word", "c"))))),
        Clause("all", "word", "d")))
    assert tree("title = кобзар") == Clause("title", "word", "кобзар")  # unprefixed names work
    assert tree('> dc = "info:srw/cql-context-set/1/dc-v1.1" dc.title = x') == Clause("title", "word", "x")
    assert tree("srw.serverChoice = x") == Clause("all", "word", "x")


def test_dates():
    assert tree('dc.date within "1990 2000"') == Clause("year", "range", "1990-2000")
    assert tree("dc.date < 2000") == Clause("year", "range", "0-1999")
    assert tree("dc.date >= 2000") == Clause("year", "range", "2000-9999")
    assert tree("dc.date = 2008") == Clause("year", "word", "2008")
    assert tree("dc.date = 1990-2000") == Clause("year", "range", "1990-2000")


@pytest.mark.parametrize("query,code", [
    ("a and", 10), ("(a", 13), ("a)", 13), ('"a', 14), ("x.title = a", 15), ("dc.foo = a", 16),
    ("dc.title < a", 19), ("dc.title encloses a", 19), ("dc.title =/foo a", 20), ('dc.title = ""', 27),
    ("dc.title = *", 29), ('dc.title adj "wa* peace"', 33), ("dc.date = soon", 36), ("a prox b", 39),
    ("a and/foo b", 46), ("a sortBy dc.subject", 80), ('> x = "urn:nope" x.title = a', 15),
    (" and ".join(["a"] * 70), 38), ("a" * 3000, 12),
])
def test_diagnostics(query, code):
    with pytest.raises(SRUDiagnostic) as err:
        translate(query)
    assert err.value.code == code


def test_sort():
    assert translate("a sortBy dc.date/sort.descending").sort == "-year"
    assert translate("a sortBy dc.title").sort == "title"
    assert parse_sort_keys("dc.title,,0") == "-title"
    assert parse_sort_keys("dc.date,,1 dc.title") == "year"


@pytest.mark.parametrize("sent,answer,diag", [
    (None, "2.0", None), ("1.1", "1.1", None), ("1.2", "1.2", None), ("1.0", "1.2", None), ("1.5", "1.2", None),
    ("2.0", "2.0", None), ("2.1", "2.0", None), ("3.0", "2.0", 5), ("abc", "1.2", 5),
])
def test_version_negotiation(sent, answer, diag):
    version, problem = negotiate(sent)
    assert version == answer
    assert (problem.code if problem else None) == diag
    if problem:
        assert problem.details == "2.0"


def test_operation_defaults_and_unknown_parameters():
    assert from_params({"query": "a"}).operation == "searchRetrieve"
    assert from_params({"scanClause": "a"}).operation == "scan"
    assert from_params({}).operation == "explain"
    assert from_params({"query": "a", "x-anything": "1"}).diagnostic is None
    assert from_params({"query": "a", "bogus": "1"}).diagnostic.code == 8
    assert from_params({"operation": "update"}).diagnostic.code == 4


def test_soap_request():
    body = b"""<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body>
      <srw:searchRetrieveRequest xmlns:srw="http://www.loc.gov/zing/srw/"><srw:version>1.2</srw:version>
      <srw:query>dc.title = "war"</srw:query><srw:maximumRecords>5</srw:maximumRecords>
      </srw:searchRetrieveRequest></SOAP-ENV:Body></SOAP-ENV:Envelope>"""
    request = from_soap(body)
    assert (request.operation, request.version, request.params["query"], request.params["maximumRecords"]) == (
        "searchRetrieve", "1.2", 'dc.title = "war"', "5")
    assert request.soap == "http://schemas.xmlsoap.org/soap/envelope/"
