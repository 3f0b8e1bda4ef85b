"""SRU response documents (lxml) for versions 1.1, 1.2 (LoC ``zing/srw``) and 2.0 (OASIS),
optionally in an SRW SOAP 1.1 envelope, with an ``xml-stylesheet`` processing instruction.

Element order follows the schemas (srw-types.xsd for 1.x, sruResponse.xsd/scan.xsd for 2.0).
"""

from __future__ import annotations

import re
import secrets
from typing import NamedTuple

from lxml import etree

from sru.diagnostics import SRUDiagnostic
from sru.records import DIAG_SCHEMA

SRW_NS = "http://www.loc.gov/zing/srw/"
DIAG1_NS = "http://www.loc.gov/zing/srw/diagnostic/"
SRU2_NS = "http://docs.oasis-open.org/ns/search-ws/sruResponse"
DIAG2_NS = "http://docs.oasis-open.org/ns/search-ws/diagnostic"
SCAN2_NS = "http://docs.oasis-open.org/ns/search-ws/scan"
ZEEREX_NS = "http://explain.z3950.org/dtd/2.0/"
EXACT = "info:srw/vocabulary/resultCountPrecision/1/exact"


class RecordOut(NamedTuple):
    """One record of a response page: XML text in ``schema``, or a surrogate diagnostic."""

    position: int
    schema: str
    xml: str | None = None
    diagnostic: SRUDiagnostic | None = None


def _ns(version: str) -> tuple[str, str]:
    return (SRU2_NS, DIAG2_NS) if version == "2.0" else (SRW_NS, DIAG1_NS)


def _sub(parent, ns: str, name: str, text=None):
    el = etree.SubElement(parent, f"{{{ns}}}{name}")
    if text is not None:
        el.text = str(text)
    return el


def _root(ns: str, name: str, version: str, extra_ns: dict | None = None):
    prefix = "scan" if ns == SCAN2_NS else ("sru" if ns == SRU2_NS else "zs")
    nsmap = {prefix: ns}
    nsmap.update(extra_ns or {})
    root = etree.Element(f"{{{ns}}}{name}", nsmap=nsmap)
    if version != "2.0":
        _sub(root, ns, "version", version)
    return root


def diagnostic_element(diag: SRUDiagnostic, version: str):
    """A ``diagnostic`` element in the version's diagnostic namespace."""
    dns = _ns(version)[1]
    el = etree.Element(f"{{{dns}}}diagnostic", nsmap={"diag": dns})
    _sub(el, dns, "uri", diag.uri)
    if diag.details:
        _sub(el, dns, "details", _clean(diag.details))
    _sub(el, dns, "message", diag.message)
    return el


def _diagnostics(parent, ns: str, diags, version: str) -> None:
    if diags:
        box = _sub(parent, ns, "diagnostics")
        for d in diags:
            box.append(diagnostic_element(d, version))


# Records given as XML text are not parsed again: a comment marks their place and
# ``serialize`` splices the text in (it is well-formed: built by lxml in sru/records.py).
_MARK = "kataloh-record-%s-" % secrets.token_hex(8)
_MARK_RE = re.compile(rb"<!--" + _MARK.encode() + rb"(\d+)-->")


def _record(parent, ns: str, version: str, schema: str, packing: str, data, position: int | None, mark=None):
    """Append a ``record``; ``data`` is an lxml element or XML text (spliced in at ``mark``)."""
    rec = _sub(parent, ns, "record")
    _sub(rec, ns, "recordSchema", schema)
    if version == "2.0":
        _sub(rec, ns, "recordXMLEscaping", packing)
    else:
        _sub(rec, ns, "recordPacking", packing)
    box = _sub(rec, ns, "recordData")
    if packing == "string":
        box.text = data if isinstance(data, str) else etree.tostring(data, encoding="unicode")
    elif isinstance(data, str):
        if mark is None:
            box.append(etree.fromstring(data))
        else:
            box.append(etree.Comment(f"{_MARK}{mark}"))
    else:
        box.append(data)
    if position is not None:
        _sub(rec, ns, "recordPosition", position)
    return rec


def search_retrieve(version: str, total: int, records: list[RecordOut], packing: str = "xml",
                    next_position: int | None = None, echo: dict | None = None, xquery=None,
                    diagnostics: list[SRUDiagnostic] = ()):
    """A ``searchRetrieveResponse``; ``echo`` holds the echoed parameters (in schema order)."""
    ns = _ns(version)[0]
    root = _root(ns, "searchRetrieveResponse", version)
    _sub(root, ns, "numberOfRecords", total)
    if records:
        box = _sub(root, ns, "records")
        for r in records:
            if r.diagnostic is not None:
                _record(box, ns, version, DIAG_SCHEMA, packing, diagnostic_element(r.diagnostic, version), r.position)
            else:
                _record(box, ns, version, r.schema, packing, r.xml, r.position, mark=r.position)
    if next_position:
        _sub(root, ns, "nextRecordPosition", next_position)
    if echo is not None and (version == "2.0" or xquery is not None):
        _echo(root, ns, version, echo, xquery)
    _diagnostics(root, ns, diagnostics, version)
    if version == "2.0" and not any(d for d in diagnostics if d.code not in (61,)):
        _sub(root, ns, "resultCountPrecision", EXACT)
    return root


ECHO_1X = ("query", "xQuery", "startRecord", "maximumRecords", "recordPacking", "recordSchema", "resultSetTTL",
           "sortKeys", "stylesheet")
ECHO_20 = ("queryType", "query", "startRecord", "maximumRecords", "recordXMLEscaping", "recordPacking",
           "recordSchema", "resultSetTTL", "sortKeys", "stylesheet", "renderedBy", "httpAccept", "responseType")


def _echo(root, ns: str, version: str, echo: dict, xquery) -> None:
    box = _sub(root, ns, "echoedSearchRetrieveRequest")
    _sub(box, ns, "version", version)
    for name in ECHO_20 if version == "2.0" else ECHO_1X:
        if name == "xQuery":
            if xquery is not None:
                from sru.cql import XCQL_NS, xcql

                xcql(xquery.root, etree.SubElement(box, f"{{{ns}}}xQuery", nsmap={"xcql": XCQL_NS}))
            continue
        value = echo.get(name)
        if value is not None:
            _sub(box, ns, name, _clean(str(value)))


def scan(version: str, terms: list[tuple[str, int]], diagnostics: list[SRUDiagnostic] = ()):
    """A ``scanResponse`` with ``(value, numberOfRecords)`` terms."""
    ns = SCAN2_NS if version == "2.0" else SRW_NS
    root = _root(ns, "scanResponse", version)
    if terms:
        box = _sub(root, ns, "terms")
        for value, count in terms:
            term = _sub(box, ns, "term")
            _sub(term, ns, "value", _clean(value))
            _sub(term, ns, "numberOfRecords", count)
    _diagnostics(root, ns, diagnostics, version)
    return root


def explain(version: str, zeerex, packing: str = "xml", diagnostics: list[SRUDiagnostic] = ()):
    """An ``explainResponse`` carrying the ZeeRex record."""
    ns = _ns(version)[0]
    root = _root(ns, "explainResponse", version)
    _record(root, ns, version, ZEEREX_NS, packing, zeerex, None)
    _diagnostics(root, ns, diagnostics, version)
    return root


def serialize(root, soap_ns: str | None = None, stylesheet: str | None = None,
              records: list[RecordOut] = ()) -> bytes:
    """UTF-8 bytes of a response, in a SOAP envelope or with a stylesheet PI; ``records``
    are the RecordOut whose XML text ``search_retrieve`` left marks for."""
    if soap_ns:
        env = etree.Element(f"{{{soap_ns}}}Envelope", nsmap={"SOAP-ENV": soap_ns})
        etree.SubElement(env, f"{{{soap_ns}}}Body").append(root)
        body = etree.tostring(env, xml_declaration=True, encoding="UTF-8")
    else:
        body = etree.tostring(root, encoding="UTF-8")
        head = b'<?xml version="1.0" encoding="UTF-8"?>\n'
        if stylesheet:
            pi = etree.ProcessingInstruction("xml-stylesheet", f'type="text/xsl" href="{stylesheet}"')
            head += etree.tostring(pi) + b"\n"
        body = head + body
    if records:
        texts = {str(r.position).encode(): r.xml for r in records if r.xml is not None}
        body = _MARK_RE.sub(lambda m: texts[m.group(1)].encode("utf-8"), body)
    return body


def soap_fault(soap_ns: str, text: str) -> bytes:
    """A SOAP fault (malformed SRW request)."""
    env = etree.Element(f"{{{soap_ns}}}Envelope", nsmap={"SOAP-ENV": soap_ns})
    fault = etree.SubElement(etree.SubElement(env, f"{{{soap_ns}}}Body"), f"{{{soap_ns}}}Fault")
    etree.SubElement(fault, "faultcode").text = "SOAP-ENV:Client"
    etree.SubElement(fault, "faultstring").text = _clean(text)
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def _clean(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (echoed client input may hold anything)."""
    return "".join(ch for ch in text if ch in "\t\n\r" or " " <= ch <= "\ud7ff" or "\ue000" <= ch <= "\ufffd" or ch >= "\U00010000")
