"""SRU client for copy cataloguing: search another library's SRU server, get MARC records.

Targets are plain data (base URL, SRU version, record schema, the CQL index for each search
field, the MARC format the target sends). Responses are parsed with lxml with entity
resolution and network access switched off. The client uses ``requests``.
SRU 1.1/1.2: https://www.loc.gov/standards/sru/ ; SRU 2.0: OASIS searchRetrieve 1.0.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pymarc
import requests
from lxml import etree
from pymarc import Field, Indicators, Subfield

SEARCH_FIELDS = ("any", "title", "author", "isbn", "subject")


@dataclass
class Target:
    """One SRU server and how to query it."""

    key: str
    name: str
    url: str
    version: str = "1.1"
    record_schema: str = "marcxml"
    format: str = "marc21"  # the MARC format the target sends
    indexes: dict[str, str] = field(default_factory=dict)  # search field -> CQL index
    relation: str = "="

    @classmethod
    def from_dict(cls, data: dict) -> Target:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


# Example configurations (public SRU services as documented by each library; check them before
# use: addresses and index names change). Tests never contact them.
EXAMPLE_TARGETS = [
    Target("loc", "Library of Congress", "http://lx2.loc.gov:210/LCDB", "1.1", "marcxml", "marc21",
           {"any": "cql.anywhere", "title": "dc.title", "author": "dc.creator", "isbn": "bath.isbn",
            "subject": "dc.subject"}),
    Target("bl", "British Library (BNB)", "http://bnb.data.bl.uk/sru", "1.2", "marcxml", "marc21",
           {"any": "cql.anywhere", "title": "dc.title", "author": "dc.creator", "isbn": "bath.isbn",
            "subject": "dc.subject"}),
    Target("dnb", "Deutsche Nationalbibliothek", "https://services.dnb.de/sru/dnb", "1.1", "MARC21-xml", "marc21",
           {"any": "WOE", "title": "TIT", "author": "PER", "isbn": "NUM", "subject": "SW"}),
    Target("bnf", "Bibliothèque nationale de France", "https://catalogue.bnf.fr/api/SRU", "1.2", "unimarcXchange",
           "unimarc", {"any": "bib.anywhere", "title": "bib.title", "author": "bib.author", "isbn": "bib.isbn",
                       "subject": "bib.subject"}, "all"),
]


@dataclass
class FoundRecord:
    position: int
    record: pymarc.Record
    format: str


@dataclass
class SearchResult:
    total: int = 0
    records: list[FoundRecord] = field(default_factory=list)
    diagnostics: list[str] = field(default_factory=list)
    url: str = ""


class SRUError(Exception):
    """The target could not be reached or sent something that is not an SRU response."""


def targets_from_config(configured: list[dict] | None) -> dict[str, Target]:
    """The example targets plus the ones in the app config (``SRU_TARGETS``), by key."""
    found = {t.key: t for t in EXAMPLE_TARGETS}
    for data in configured or []:
        target = Target.from_dict(data)
        found[target.key] = target
    return found


def cql_term(term: str) -> str:
    """Quote a search term for CQL (backslash-escape quotes and backslashes)."""
    return '"' + term.replace("\\", "\\\\").replace('"', '\\"') + '"'


def build_query(target: Target, search_field: str, term: str) -> str:
    """The CQL query for one search field, with the target's own index name."""
    index = target.indexes.get(search_field) or target.indexes.get("any") or "cql.serverChoice"
    return f"{index} {target.relation} {cql_term(term.strip())}"


def request_params(target: Target, query: str, start: int = 1, maximum: int = 10) -> dict:
    params = {"operation": "searchRetrieve", "version": target.version, "query": query,
              "startRecord": str(start), "maximumRecords": str(maximum), "recordSchema": target.record_schema}
    if target.version.startswith("1"):
        params["recordPacking"] = "xml"
    else:
        params["recordXMLEscaping"] = "xml"
    return params


def search(target: Target, search_field: str, term: str, *, start: int = 1, maximum: int = 10,
           http: requests.Session | None = None, timeout: float = 20.0) -> SearchResult:
    """Run one searchRetrieve against ``target`` and parse the records it returns."""
    params = request_params(target, build_query(target, search_field, term), start, maximum)
    getter = http or requests
    try:
        response = getter.get(target.url, params=params, timeout=timeout,
                              headers={"Accept": "application/xml, text/xml", "User-Agent": "Kataloh SRU client"})
    except requests.RequestException as exc:
        raise SRUError(f"{target.name}: {exc}") from exc
    if response.status_code >= 400 and not response.content.lstrip().startswith(b"<"):
        raise SRUError(f"{target.name}: HTTP {response.status_code}")
    result = parse_response(response.content, target.format)
    result.url = response.url
    return result


PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=True)


def _local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _children(elem, name: str):
    return [c for c in elem if _local(c.tag) == name]


def _first(elem, name: str):
    found = _children(elem, name)
    return found[0] if found else None


def parse_response(data: bytes, default_format: str = "marc21") -> SearchResult:
    """Parse a searchRetrieve response (SRU 1.1, 1.2 or 2.0) into records and diagnostics."""
    try:
        root = etree.fromstring(data, PARSER)
    except etree.XMLSyntaxError as exc:
        raise SRUError(f"the response is not XML: {exc}") from exc
    if _local(root.tag) != "searchRetrieveResponse":
        raise SRUError(f"the response is not an SRU searchRetrieveResponse but <{_local(root.tag)}>")
    result = SearchResult()
    count = _first(root, "numberOfRecords")
    result.total = int(count.text) if count is not None and (count.text or "").strip().isdigit() else 0
    diagnostics = _first(root, "diagnostics")
    if diagnostics is not None:
        for diag in diagnostics:
            parts = [(c.text or "").strip() for c in diag if _local(c.tag) in ("uri", "details", "message")]
            result.diagnostics.append(" ".join(p for p in parts if p))
    records = _first(root, "records")
    for n, rec in enumerate(_children(records, "record") if records is not None else [], 1):
        position = _first(rec, "recordPosition")
        pos = int(position.text) if position is not None and (position.text or "").strip().isdigit() else n
        data_elem = _first(rec, "recordData")
        if data_elem is None:
            continue
        marc_elem = _find_marc(data_elem)
        if marc_elem is None and (data_elem.text or "").strip().startswith("<"):
            # recordPacking=string: the record is escaped text inside recordData
            marc_elem = _find_marc(etree.fromstring(data_elem.text.strip().encode("utf-8"), PARSER))
        if marc_elem is None:
            result.diagnostics.append(f"record {pos}: no MARC record in recordData")
            continue
        record = marc_from_element(marc_elem)
        fmt = _format_of(marc_elem, record, default_format)
        result.records.append(FoundRecord(pos, record, fmt))
    return result


def _find_marc(elem):
    if _local(elem.tag) == "record" and any(_local(c.tag) in ("leader", "datafield", "controlfield") for c in elem):
        return elem
    for child in elem.iter():
        if _local(child.tag) == "record" and any(_local(c.tag) in ("leader", "datafield", "controlfield") for c in child):
            return child
    return None


def _format_of(elem, record: pymarc.Record, default: str) -> str:
    declared = (elem.get("format") or "").lower()
    if "unimarc" in declared:
        return "unimarc"
    if "marc21" in declared:
        return "marc21"
    from marc.io import detect_format

    if default == "unimarc" or (record.get_fields("200") and not record.get_fields("245")):
        return "unimarc" if not record.get_fields("245") else detect_format(record)
    return default


def marc_from_element(elem) -> pymarc.Record:
    """A pymarc record from a MARCXML / MarcXchange ``<record>`` element (any namespace)."""
    record = pymarc.Record(force_utf8=True)
    for child in elem:
        name = _local(child.tag)
        if name == "leader":
            text = (child.text or "").ljust(24)[:24]
            record.leader = text
        elif name == "controlfield":
            record.add_field(Field(tag=child.get("tag", "").strip(), data=child.text or ""))
        elif name == "datafield":
            subs = [Subfield(s.get("code", " ")[:1], s.text or "") for s in child if _local(s.tag) == "subfield"]
            record.add_field(Field(tag=child.get("tag", "").strip(),
                                   indicators=Indicators((child.get("ind1") or " ")[:1], (child.get("ind2") or " ")[:1]),
                                   subfields=subs))
    return record
