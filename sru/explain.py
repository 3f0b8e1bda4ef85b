"""The ZeeRex explain record (http://explain.z3950.org/dtd/2.0/): server, database,
every context set and index (titles in Ukrainian and English), record schemas,
sort keys and the default and maximum page sizes."""

from __future__ import annotations

from lxml import etree

from sru.cql import CONTEXT_SETS, INDEXES, SET_TITLES
from sru.records import SCHEMAS

ZEEREX_NS = "http://explain.z3950.org/dtd/2.0/"
Z = "{%s}" % ZEEREX_NS


def _el(parent, tag, text=None, **attrs):
    el = etree.SubElement(parent, Z + tag, {k: str(v) for k, v in attrs.items() if v is not None})
    if text is not None:
        el.text = str(text)
    return el


def _titles(parent, en: str, uk: str) -> None:
    _el(parent, "title", uk, lang="uk", primary="true")
    _el(parent, "title", en, lang="en")


def zeerex(host: str, port: int | str, database: str, settings: dict, version: str = "1.2",
           library_name: str = "", record_count: int | None = None):
    """The explain record as an lxml element.

    ``settings``: default_records, max_records, max_terms, max_query_length.
    """
    root = etree.Element(Z + "explain", nsmap={None: ZEEREX_NS}, authoritative="true")
    server = _el(root, "serverInfo", protocol="SRU", version=version, transport="http")
    _el(server, "host", host)
    _el(server, "port", port)
    _el(server, "database", database, numRecs=record_count)

    db = _el(root, "databaseInfo")
    _el(db, "title", library_name or "Kataloh", lang="uk", primary="true")
    _el(db, "title", "Kataloh library catalogue", lang="en")
    _el(db, "description", "Електронний каталог бібліотеки (MARC 21 та UNIMARC), пошук за CQL.",
        lang="uk", primary="true")
    _el(db, "description", "Library catalogue (MARC 21 and UNIMARC records), searched with CQL.", lang="en")
    _el(db, "langUsage", "Українська, російська, англійська", codes="ukr rus eng", lang="uk")
    _el(db, "implementation", identifier="kataloh", version="1.0")

    index_info = _el(root, "indexInfo")
    for name, identifier in CONTEXT_SETS.items():
        st = _el(index_info, "set", name=name, identifier=identifier)
        _titles(st, *SET_TITLES[name])
    for d in INDEXES:
        idx = _el(index_info, "index", search="true", scan="true" if d.scan else "false",
                  sort="true" if d.sort else "false", id=f"{d.set}.{d.name}")
        _titles(idx, d.title_en, d.title_uk)
        _el(_el(idx, "map"), "name", d.name, set=d.set)

    search = _el(root, "searchInfo")
    _el(search, "queryExample", 'dc.title all "історія України" and dc.date within "2000 2024"')

    schema_info = _el(root, "schemaInfo")
    for s in SCHEMAS:
        el = _el(schema_info, "schema", identifier=s.identifier, name=s.name, location=s.location,
                 retrieve="true", sort="false")
        _titles(el, s.title_en, s.title_uk)

    config = _el(root, "configInfo")
    _el(config, "default", settings["default_records"], type="numberOfRecords")
    _el(config, "default", "marcxml", type="recordSchema")
    _el(config, "default", "xml", type="recordPacking")
    _el(config, "default", "=", type="relation")
    _el(config, "default", "cql.serverChoice", type="index")
    _el(config, "setting", settings["max_records"], type="maximumRecords")
    _el(config, "setting", settings["max_terms"], type="maximumTerms")
    _el(config, "setting", settings["max_query_length"], type="maximumQueryLength")
    for feature in ("relation =", "relation ==", "relation <>", "relation <", "relation >", "relation <=",
                    "relation >=", "relation adj", "relation all", "relation any", "relation within",
                    "booleanOperator and", "booleanOperator or", "booleanOperator not", "maskingCharacter *",
                    "maskingCharacter ?", "sort"):
        kind, value = feature.split(" ") if " " in feature else (feature, None)
        _el(config, "supports", value, type=kind)
    return root
