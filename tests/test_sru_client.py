"""The copy-cataloguing SRU client: recorded responses (tests/data/sru/) and Kataloh's own
SRU endpoint over real HTTP. Never the internet."""

from pathlib import Path

import pytest

from sru.client import (
    EXAMPLE_TARGETS,
    SRUError,
    Target,
    build_query,
    parse_response,
    request_params,
    search,
    targets_from_config,
)

DATA = Path(__file__).parent / "data" / "sru"


def recorded(name: str) -> bytes:
    return (DATA / name).read_bytes()


def test_example_targets_ship_for_four_national_libraries():
    names = {t.key: t for t in EXAMPLE_TARGETS}
    assert set(names) == {"loc", "bl", "dnb", "bnf"}
    assert names["bnf"].format == "unimarc" and names["dnb"].indexes["isbn"] == "NUM"


def test_config_targets_are_added_and_override():
    found = targets_from_config([{"key": "loc", "name": "LoC mirror", "url": "http://127.0.0.1:9/sru"},
                                 {"key": "nbuv", "name": "НБУВ", "url": "http://127.0.0.1:9/nbuv", "format": "unimarc"}])
    assert found["loc"].name == "LoC mirror" and found["nbuv"].format == "unimarc" and "bnf" in found


def test_query_uses_the_target_index_and_escapes_quotes():
    target = Target("t", "T", "http://x", indexes={"title": "dc.title", "any": "cql.anywhere"})
    assert build_query(target, "title", 'Кобзар "вибране"') == 'dc.title = "Кобзар \\"вибране\\""'
    assert build_query(target, "isbn", "123").startswith("cql.anywhere")
    params = request_params(target, "dc.title = x", 1, 5)
    assert params["operation"] == "searchRetrieve" and params["recordPacking"] == "xml" and params["maximumRecords"] == "5"
    assert "recordXMLEscaping" in request_params(Target("t", "T", "http://x", version="2.0"), "q")


def test_library_of_congress_response():
    result = parse_response(recorded("loc_marcxml_1.1.xml"))
    assert result.total == 1 and len(result.records) == 1
    record = result.records[0].record
    assert result.records[0].format == "marc21" and record.get_fields("245")


def test_string_packed_records_dnb():
    result = parse_response(recorded("dnb_marcxml_string_1.1.xml"))
    assert result.total == 99 and [r.position for r in result.records] == [1, 2, 3]
    assert result.records[0].record["003"].data == "DE-101"


def test_sru_2_response_british_library():
    result = parse_response(recorded("bl_marcxml_2.0.xml"))
    assert len(result.records) == 2 and result.records[0].record["003"].data == "Uk"


def test_unimarc_in_marcxchange_bnf_style():
    result = parse_response(recorded("bnf_unimarcxchange_1.2.xml"), "unimarc")
    found = result.records[0]
    assert found.format == "unimarc" and found.record["200"]["a"].startswith("Библиографическая деятельность")


def test_diagnostics_are_reported():
    result = parse_response(recorded("diagnostic_1.2.xml"))
    assert result.total == 0 and "Unsupported index" in result.diagnostics[0]


def test_not_xml_or_not_sru_is_an_error():
    with pytest.raises(SRUError):
        parse_response(b"<html><body>Service unavailable</body></html>")
    with pytest.raises(SRUError):
        parse_response(b"not xml at all")


def test_external_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    evil = (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>'
            '<searchRetrieveResponse xmlns="http://www.loc.gov/zing/srw/"><version>1.1</version>'
            '<numberOfRecords>1</numberOfRecords><records><record><recordData>'
            '<record xmlns="http://www.loc.gov/MARC21/slim"><leader>00000nam a2200000 a 4500</leader>'
            '<datafield tag="245" ind1="0" ind2="0"><subfield code="a">&x;</subfield></datafield></record>'
            '</recordData></record></records></searchRetrieveResponse>')
    result = parse_response(evil.encode())
    assert "TOP-SECRET" not in str(result.records[0].record)


class FakeHTTP:
    """Stands in for requests: returns a recorded response, remembers what was asked."""

    def __init__(self, body: bytes, status: int = 200):
        self.body, self.status, self.calls = body, status, []

    def get(self, url, params=None, timeout=None, headers=None):
        self.calls.append((url, params))
        body, status = self.body, self.status

        class Response:
            content, status_code = body, status
            url = "http://recorded.example/sru"

        return Response()


def test_search_sends_the_mapped_query():
    http = FakeHTTP(recorded("bnf_unimarcxchange_1.2.xml"))
    target = next(t for t in EXAMPLE_TARGETS if t.key == "bnf")
    result = search(target, "isbn", "5-00-000000-0", http=http)
    url, params = http.calls[0]
    assert url == "https://catalogue.bnf.fr/api/SRU"
    assert params["query"] == 'bib.isbn all "5-00-000000-0"' and params["recordSchema"] == "unimarcXchange"
    assert result.records[0].format == "unimarc"


@pytest.mark.db
def test_against_katalohs_own_sru_endpoint(app, live_server):
    from catalog.db import get_session
    from catalog.records.services import save_record
    from tests.test_cataloguing_editor import unimarc_book

    with app.app_context():
        save_record(get_session(), "test", unimarc_book(title="Кобзар"), fmt="unimarc", status="published",
                    validate=False, library_code="UA-LuOUNB")
    target = Target("self", "Kataloh", f"{live_server}/sru", "1.2", "marcxml", "unimarc",
                    {"any": "cql.anywhere", "title": "dc.title", "isbn": "bath.isbn"})
    result = search(target, "title", "Кобзар")
    assert result.total == 1 and result.records[0].record["200"]["a"] == "Кобзар"
    assert result.records[0].format == "unimarc"
    assert search(target, "isbn", "9789663464916").total == 1
