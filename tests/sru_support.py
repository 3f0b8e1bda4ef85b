"""Helpers for the SRU tests: load real records, validate responses offline against the XSDs."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from lxml import etree

DATA = Path(__file__).resolve().parent / "data"
XSD = DATA / "xsd"
RECORD_FILES = ["yaz/marccol1.u8.marc", "marc4s/rusmarc-utf8-galsworthy-example.iso", "marc4j/cyrillic_capital_e.mrc"]
PARSER = etree.XMLParser(no_network=True, resolve_entities=False)

SRW = "http://www.loc.gov/zing/srw/"
SRU2 = "http://docs.oasis-open.org/ns/search-ws/sruResponse"
SCAN2 = "http://docs.oasis-open.org/ns/search-ws/scan"
DIAG1 = "http://www.loc.gov/zing/srw/diagnostic/"
DIAG2 = "http://docs.oasis-open.org/ns/search-ws/diagnostic"
MARC = "http://www.loc.gov/MARC21/slim"
ZEEREX = "http://explain.z3950.org/dtd/2.0/"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"


def load_records(app, files=RECORD_FILES) -> dict:
    """Save the records of ``files`` as published; returns {record id: pymarc record}."""
    from catalog.db import get_session
    from catalog.indexing import drain_queue
    from catalog.records.services import save_record
    from marc.io import read_records

    saved = {}
    with app.app_context():
        session = get_session()
        for name in files:
            for item in read_records(DATA / name):
                if item.record is not None:
                    record = save_record(session, "test", item.record, fmt=item.format, status="published",
                                         validate=False, stamp=False, commit=False)
                    saved[record.id] = item.record
        session.commit()
        drain_queue(session)
    return saved


@lru_cache(maxsize=None)
def schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD / name), PARSER))


def parse(body: bytes):
    return etree.fromstring(body, PARSER)


def validate(root, name: str) -> None:
    """Assert ``root`` is valid against the schema file ``name`` (relative to tests/data/xsd)."""
    s = schema(name)
    if not s.validate(root):
        raise AssertionError(f"{name}: {s.error_log}\n{etree.tostring(root, pretty_print=True).decode()[:3000]}")


def validate_response(root) -> None:
    """Validate an SRU response of any version and operation, and the records inside it."""
    ns = etree.QName(root).namespace
    validate(root, "srw12/srw-types.xsd" if ns == SRW else "oasis/sruResponse.xsd")
    for data in root.iter(f"{{{ns}}}recordData"):
        for child in data:
            child_ns = etree.QName(child).namespace
            if child_ns == ZEEREX:
                validate(child, "oasis/explain.xsd")
            elif child_ns == MARC and not _unimarc_leader(child):
                validate(child, "marc/MARC21slim.xsd")
            elif child_ns == "info:srw/schema/1/dc-schema":
                wrapper = etree.Element("{http://www.openarchives.org/OAI/2.0/oai_dc/}dc")
                for el in child:
                    wrapper.append(etree.fromstring(etree.tostring(el)))
                validate(wrapper, "dc/oai_dc_local.xsd")


def _unimarc_leader(record) -> bool:
    leader = record.findtext(f"{{{MARC}}}leader") or ""
    return not (leader[20:24] == "4500")


def diagnostics(root) -> list[str]:
    """URIs of the response-level diagnostics."""
    ns = etree.QName(root).namespace
    box = root.find(f"{{{ns}}}diagnostics")
    if box is None:
        return []
    return [d.findtext(f"{{{DIAG1}}}uri") or d.findtext(f"{{{DIAG2}}}uri") for d in box]


def text(root, name: str) -> str | None:
    return root.findtext(f"{{{etree.QName(root).namespace}}}{name}")
