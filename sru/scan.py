"""SRU scan: browse the title, author, subject and UDC indexes with term counts."""

from __future__ import annotations

from cql.parser import CQLSearchClause

from sru.cql import lookup_index, parse_cql
from sru.diagnostics import SRUDiagnostic

DEFAULT_TERMS = 20


def parse_int(value, name: str, default: int, minimum: int = 0) -> int:
    """An integer parameter (absent -> ``default``; not an integer or below ``minimum`` -> diagnostic 6)."""
    if value is None or str(value).strip() == "":
        return default
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise SRUDiagnostic(6, name)
    number = int(text)
    if number < minimum:
        raise SRUDiagnostic(6, name)
    return number


def scan_terms(index, scan_clause: str | None, response_position=None, maximum_terms=None,
               max_terms: int = 100, default_terms: int = DEFAULT_TERMS) -> list[tuple[str, int]]:
    """Terms around the scan clause's term: ``index`` is a ``search.index.SearchIndex``."""
    if scan_clause is None:
        raise SRUDiagnostic(7, "scanClause")
    position = parse_int(response_position, "responsePosition", 1, 0)
    count = parse_int(maximum_terms, "maximumTerms", default_terms, 1)
    if count > max_terms:
        raise SRUDiagnostic(121, str(max_terms))
    if position > count + 1:
        raise SRUDiagnostic(120, str(position))
    if not scan_clause.strip():
        raise SRUDiagnostic(27, "scanClause")
    cql = parse_cql(scan_clause)
    clause = cql.root
    if not isinstance(clause, CQLSearchClause):
        raise SRUDiagnostic(48, "scan takes a single index, relation and term")
    definition = lookup_index(str(clause.index or "cql.serverChoice"), {})
    relation = str(clause.relation.comparitor if clause.relation else "=").lower()
    if relation not in ("=", "==", "scr", "exact", ">="):
        raise SRUDiagnostic(19, relation)
    if clause.relation is not None and clause.relation.modifiers:
        raise SRUDiagnostic(20, str(clause.relation.modifiers[0]))
    if definition.scan is None:
        raise SRUDiagnostic(16, f"{definition.set}.{definition.name} cannot be scanned")
    return index.scan(definition.scan, clause.term or "", position, count)
