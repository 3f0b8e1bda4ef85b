"""Run an SRU operation against a backend and build the response document.

The backend (``catalog/sru/views.py`` gives the real one) provides:
``search(Query) -> Hits``, ``scan(index, term, position, count)``,
``fetch(ids) -> {id: (version, format, marc_json)}`` (published records only) and ``count()``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from search.query import Query
from sru import responses
from sru.cql import parse_sort_keys, translate
from sru.diagnostics import SRUDiagnostic
from sru.explain import zeerex
from sru.records import RecordRenderer, find_schema
from sru.request import SRURequest
from sru.scan import parse_int, scan_terms

log = logging.getLogger(__name__)


@dataclass
class Settings:
    default_records: int = 10
    max_records: int = 100
    max_terms: int = 100
    max_query_length: int = 2000
    host: str = "localhost"
    port: int | str = 80
    database: str = "sru"
    library_name: str = ""


RENDERER = RecordRenderer()


def _packing(request: SRURequest) -> str:
    """recordPacking (1.x) / recordXMLEscaping (2.0): ``xml`` or ``string`` (else diagnostic 71)."""
    if request.v2:
        packed = request.get("recordPacking")
        if packed not in (None, "", "packed"):
            raise SRUDiagnostic(71, packed[:50])
        value = request.get("recordXMLEscaping") or "xml"
    else:
        value = request.get("recordPacking") or "xml"
    if value not in ("xml", "string"):
        raise SRUDiagnostic(71, value[:50])
    return value


def _stylesheet(request: SRURequest) -> str | None:
    value = request.get("stylesheet")
    if not value:
        return None
    if any(ch in value for ch in '"<>\\') or "?>" in value or any(ord(ch) < 32 for ch in value) or len(value) > 500:
        raise SRUDiagnostic(6, "stylesheet")
    return value


def handle(request: SRURequest, backend, settings: Settings) -> bytes:
    """The response body for ``request`` (always an SRU document; problems become diagnostics)."""
    stylesheet = None
    try:
        stylesheet = _stylesheet(request)
    except SRUDiagnostic as diag:
        request.diagnostic = request.diagnostic or diag
    if request.soap:
        stylesheet = None
    records = []
    try:
        if request.operation == "searchRetrieve":
            root = search_retrieve(request, backend, settings, records)
        elif request.operation == "scan":
            root = scan(request, backend, settings)
        else:
            root = explain(request, backend, settings)
    except Exception:  # never an HTTP 500: a system-error diagnostic instead
        log.exception("SRU %s failed", request.operation)
        records = []
        try:
            root = _failure(request, SRUDiagnostic(1, "internal error"), settings)
        except Exception:
            root = responses.search_retrieve(request.version, 0, [], diagnostics=[SRUDiagnostic(1)])
    return responses.serialize(root, request.soap, stylesheet, records)


def _failure(request: SRURequest, diag: SRUDiagnostic, settings: Settings):
    if request.operation == "searchRetrieve":
        return responses.search_retrieve(request.version, 0, [], diagnostics=[diag])
    if request.operation == "scan":
        return responses.scan(request.version, [], [diag])
    return responses.explain(request.version, zeerex(settings.host, settings.port, settings.database,
                                                      settings.__dict__, request.version), diagnostics=[diag])


def explain(request: SRURequest, backend, settings: Settings):
    diags = [request.diagnostic] if request.diagnostic else []
    try:
        packing = _packing(request)
    except SRUDiagnostic as diag:
        packing = "xml"
        diags.append(diag)
    record = zeerex(settings.host, settings.port, settings.database, settings.__dict__, request.version,
                    settings.library_name, backend.count())
    return responses.explain(request.version, record, packing, diags)


def scan(request: SRURequest, backend, settings: Settings):
    if request.diagnostic:
        return responses.scan(request.version, [], [request.diagnostic])
    try:
        terms = scan_terms(backend, request.get("scanClause"), request.get("responsePosition"),
                           request.get("maximumTerms"), settings.max_terms)
    except SRUDiagnostic as diag:
        return responses.scan(request.version, [], [diag])
    return responses.scan(request.version, terms)


def _echo(request: SRURequest) -> dict:
    echo = {}
    for name in ("query", "queryType", "recordSchema", "sortKeys", "stylesheet", "recordPacking",
                 "recordXMLEscaping", "httpAccept", "responseType", "renderedBy"):
        value = request.get(name)
        if value not in (None, ""):
            echo[name] = value
    for name in ("startRecord", "maximumRecords", "resultSetTTL"):
        value = (request.get(name) or "").strip()
        if value.isascii() and value.isdigit() and len(value) < 10 and (name != "startRecord" or int(value) > 0):
            echo[name] = int(value)
    if echo.get("renderedBy") not in (None, "client", "server"):
        echo.pop("renderedBy")
    if request.v2 and echo.get("recordXMLEscaping") not in (None, "xml", "string"):
        echo.pop("recordXMLEscaping")
    return echo


def search_retrieve(request: SRURequest, backend, settings: Settings, out: list | None = None):
    """The searchRetrieveResponse; the page's RecordOut are appended to ``out`` (for serialize)."""
    version = request.version
    echo = _echo(request)

    def fail(diag):
        return responses.search_retrieve(version, 0, [], echo=echo, diagnostics=[diag])

    if request.diagnostic:
        return fail(request.diagnostic)
    try:
        query_type = request.get("queryType") or "cql"
        if query_type.lower() not in ("cql", "searchterms"):
            raise SRUDiagnostic(6, "queryType")
        if request.get("recordXPath"):
            raise SRUDiagnostic(72, "recordXPath")
        text = request.get("query")
        if text is None:
            raise SRUDiagnostic(7, "query")
        start = parse_int(request.get("startRecord"), "startRecord", 1, 1)
        maximum = parse_int(request.get("maximumRecords"), "maximumRecords", settings.default_records, 0)
        maximum = min(maximum, settings.max_records)
        parse_int(request.get("resultSetTTL"), "resultSetTTL", 0, 0)
        schema = find_schema(request.get("recordSchema"))
        packing = _packing(request)
        parsed = translate(text, settings.max_query_length)
        sort = parsed.sort
        if request.get("sortKeys"):
            sort = parse_sort_keys(request.get("sortKeys"))
    except SRUDiagnostic as diag:
        return fail(diag)

    ids, total = _page(backend, Query(tree=parsed.tree, sort=sort, suggest=False), start, maximum)
    diags = []
    if maximum > 0 and total > 0 and start > total:
        diags.append(SRUDiagnostic(61, str(start)))
    records = _records(backend, ids, start, schema)
    if out is not None:
        out.extend(records)
    end = start + len(ids)
    next_position = end if (maximum > 0 and end <= total and ids) else None
    return responses.search_retrieve(version, total, records, packing, next_position, echo,
                                     parsed.cql if not request.v2 else None, diags)


def _page(backend, query: Query, start: int, count: int) -> tuple[list[str], int]:
    """Record ids ``start`` .. ``start + count - 1`` (1-based) and the total."""
    if count == 0:
        query.page, query.per_page = 1, 1
        return [], backend.search(query).total
    offset = start - 1
    if offset + count <= 1000:
        query.page, query.per_page = 1, offset + count
        hits = backend.search(query)
        return hits.ids[offset:offset + count], hits.total
    query.per_page = count
    query.page = offset // count + 1
    hits = backend.search(query)
    skip = offset - (query.page - 1) * count
    ids = hits.ids[skip:]
    if skip and hits.total > (query.page * count):
        query.page += 1
        ids += backend.search(query).ids[: count - len(ids)]
    return ids, hits.total


def _records(backend, ids: list[str], start: int, schema) -> list:
    rows = backend.fetch([int(i) for i in ids if str(i).isdigit()]) if ids else {}
    out = []
    for n, record_id in enumerate(ids):
        position = start + n
        row = rows.get(int(record_id)) if str(record_id).isdigit() else None
        if row is None:
            out.append(responses.RecordOut(position, schema.identifier, diagnostic=SRUDiagnostic(65, str(record_id))))
            continue
        version, fmt, marc_json = row
        try:
            xml = RENDERER.render(int(record_id), version, fmt, marc_json, schema)
        except SRUDiagnostic as diag:
            out.append(responses.RecordOut(position, schema.identifier, diagnostic=diag))
        except Exception:
            log.exception("SRU: record %s could not be rendered", record_id)
            out.append(responses.RecordOut(position, schema.identifier,
                                           diagnostic=SRUDiagnostic(64, str(record_id))))
        else:
            out.append(responses.RecordOut(position, schema.identifier, xml))
    return out
