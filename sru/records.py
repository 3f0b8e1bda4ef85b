"""Record schemas served over SRU and the rendering of stored records into them.

Rendered records are cached by (id, version, schema, hash of the stored MARC), so repeated
requests for popular records skip the MARC-in-JSON parse and the XML serialisation. The hash
keeps the cache right when the database behind the process changes (a restored backup,
another test database): ids and versions start again there, the MARC does not repeat.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import NamedTuple

from lxml import etree

from marc.io import MARCXML_NS, record_from_json, record_to_marcxml
from sru.diagnostics import SRUDiagnostic

MARCXCHANGE_NS = "info:lc/xmlns/marcxchange-v2"
DC_SCHEMA_NS = "info:srw/schema/1/dc-schema"
DC_NS = "http://purl.org/dc/elements/1.1/"
DIAG_SCHEMA = "info:srw/schema/1/diagnostics-v1.1"


class Schema(NamedTuple):
    name: str
    identifier: str
    title_en: str
    title_uk: str
    location: str


SCHEMAS = [
    Schema("marcxml", "info:srw/schema/1/marcxml-v1.1", "MARCXML (MARC 21 slim; UNIMARC records as stored)",
           "MARCXML (MARC 21 slim; записи UNIMARC як є)", "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"),
    Schema("marcxchange", MARCXCHANGE_NS, "MarcXchange (ISO 25577), MARC 21 or UNIMARC",
           "MarcXchange (ISO 25577), MARC 21 або UNIMARC", "http://www.loc.gov/standards/iso25577/marcxchange-2-0.xsd"),
    Schema("unimarcxchange", "info:bnf/schemas/unimarcxchange", "UNIMARC in MarcXchange (UNIMARC records only)",
           "UNIMARC у MarcXchange (лише записи UNIMARC)", "http://www.loc.gov/standards/iso25577/marcxchange-2-0.xsd"),
    Schema("dc", "info:srw/schema/1/dc-v1.1", "Dublin Core", "Дублінське ядро",
           "http://www.loc.gov/standards/sru/recordSchemas/dc-schema.xsd"),
]
DEFAULT_SCHEMA = SCHEMAS[0]
# Names and identifiers clients send, lower-cased -> schema.
_LOOKUP = {}
for _s in SCHEMAS:
    _LOOKUP[_s.name] = _s
    _LOOKUP[_s.identifier.lower()] = _s
_LOOKUP.update({
    "marc21": SCHEMAS[0], "marc": SCHEMAS[0], "marcxml-v1.1": SCHEMAS[0], "marc21slim": SCHEMAS[0],
    MARCXML_NS.lower(): SCHEMAS[0], "info:srw/schema/1/marcxml-v1.1-light": SCHEMAS[0],
    "iso25577": SCHEMAS[1], "unimarc": SCHEMAS[2], "info:lc/xmlns/unimarcxchange": SCHEMAS[2],
    "dc-v1.1": SCHEMAS[3], "info:srw/schema/1/dc-schema": SCHEMAS[3], "dublincore": SCHEMAS[3],
})


def find_schema(value: str | None) -> Schema:
    """The schema for a ``recordSchema`` value (absent -> marcxml; unknown -> diagnostic 66)."""
    if value is None or not value.strip():
        return DEFAULT_SCHEMA
    schema = _LOOKUP.get(value.strip().lower())
    if schema is None:
        raise SRUDiagnostic(66, value[:200])
    return schema


class RecordRenderer:
    """Render stored records (MARC-in-JSON) into a schema, with a small LRU cache."""

    def __init__(self, size: int = 5000):
        self.size = size
        self._cache: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def render(self, record_id: int, version: int, fmt: str, marc_json: str, schema: Schema) -> str:
        """XML text of one record (raises SRUDiagnostic 67 when it has no form in ``schema``)."""
        key = (record_id, version, schema.name, hash(marc_json))
        with self._lock:
            text = self._cache.get(key)
            if text is not None:
                self._cache.move_to_end(key)
                return text
        text = _render(record_from_json(marc_json), fmt, schema)
        with self._lock:
            self._cache[key] = text
            if len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return text


def _render(record, fmt: str, schema: Schema) -> str:
    if schema.name == "marcxml":
        return record_to_marcxml(record, fmt)
    if schema.name in ("marcxchange", "unimarcxchange"):
        if schema.name == "unimarcxchange" and fmt != "unimarc":
            raise SRUDiagnostic(67, "only UNIMARC records are served as unimarcxchange")
        return marcxchange(record, fmt)
    return dublin_core_xml(record, fmt)


def marcxchange(record, fmt: str) -> str:
    """A MarcXchange (ISO 25577) ``record`` element: the MARCXML structure in its own namespace."""
    root = etree.fromstring(record_to_marcxml(record, fmt))
    ns = "{%s}" % MARCXCHANGE_NS
    out = etree.Element(ns + "record", nsmap={"mx": MARCXCHANGE_NS},
                        format="UNIMARC" if fmt == "unimarc" else "MARC21", type="Bibliographic")
    for child in root:
        el = etree.SubElement(out, ns + etree.QName(child).localname, dict(child.attrib))
        el.text = child.text
        for sub in child:
            s = etree.SubElement(el, ns + "subfield", dict(sub.attrib))
            s.text = sub.text
    return etree.tostring(out, encoding="unicode")


def dublin_core_xml(record, fmt: str) -> str:
    """The SRU Dublin Core record (``info:srw/schema/1/dc-v1.1``)."""
    from marc.display import dublin_core

    root = etree.Element("{%s}dc" % DC_SCHEMA_NS, nsmap={"srw_dc": DC_SCHEMA_NS, "dc": DC_NS})
    for element, values in dublin_core(record, fmt).items():
        for value in values:
            etree.SubElement(root, "{%s}%s" % (DC_NS, element)).text = _xml_safe(value)
    return etree.tostring(root, encoding="unicode")


def _xml_safe(text: str) -> str:
    return "".join(ch if ch in "\t\n\r" or (" " <= ch <= "\ud7ff") or ("\ue000" <= ch <= "\ufffd") or ch >= "\U00010000" else "\ufffd"
                   for ch in text or "")
