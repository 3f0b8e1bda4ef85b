"""CQL (Contextual Query Language 1.2, LoC/OASIS) mapped onto the search interface.

Parsing is done by PyPI ``cql-parser``; this module walks its tree and builds a
``search.query.Node``/``Clause`` tree, so the same Ukrainian-aware analysis applies
as in the OPAC. Anything the catalogue cannot answer becomes an SRU diagnostic
(``sru.diagnostics.SRUDiagnostic``), never a silent zero-hit search.
"""

from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache
from typing import NamedTuple

from cql.lexer import CQLLexer, CQLLexerError
from cql.parser import CQLParser12, CQLParserError, CQLSearchClause, CQLTriple

from search.query import Clause, Node
from sru.diagnostics import SRUDiagnostic

logging.getLogger("cql").setLevel(logging.CRITICAL)  # the parser logs every syntax error

# Context sets: short name -> identifier (what explain lists).
CONTEXT_SETS = {
    "cql": "info:srw/cql-context-set/1/cql-v1.2",
    "dc": "info:srw/cql-context-set/1/dc-v1.1",
    "bath": "http://zing.z3950.org/cql/bath/2.0/",
    "rec": "info:srw/cql-context-set/2/rec-1.1",
    "srw": "info:srw/cql-context-set/1/cql-v1.1",
    "kat": "info:kataloh/cql-context-set/kat-1.0",
}
# Other identifiers clients use for the same sets (prefix assignments).
_URI_ALIASES = {
    "info:srw/cql-context-set/1/cql-v1.1": "cql", "info:srw/cql-context-set/1/cql-v1.2": "cql",
    "info:srw/cql-context-set/1/dc-v1.1": "dc", "info:srw/cql-context-set/1/dc-v1.0": "dc",
    "http://zing.z3950.org/cql/bath/2.0/": "bath", "http://zing.z3950.org/cql/bath/2.0": "bath",
    "info:srw/cql-context-set/2/rec-1.1": "rec", "info:srw/cql-context-set/2/rec-1.0": "rec",
    "info:kataloh/cql-context-set/kat-1.0": "kat",
}
SET_TITLES = {
    "cql": ("CQL context set", "Контекстний набір CQL"),
    "dc": ("Dublin Core context set", "Контекстний набір Дублінського ядра"),
    "bath": ("Bath profile context set", "Контекстний набір профілю Bath"),
    "rec": ("Record metadata context set", "Контекстний набір метаданих запису"),
    "srw": ("CQL context set (legacy name)", "Контекстний набір CQL (стара назва)"),
    "kat": ("Kataloh local context set", "Локальний контекстний набір Каталогу"),
}


class IndexDef(NamedTuple):
    """One searchable CQL index: ``kind`` is text, keyword, year, ident, all or id."""

    set: str
    name: str
    field: str
    kind: str
    title_en: str
    title_uk: str
    scan: str | None = None  # SearchIndex.scan index name
    sort: str | None = None  # Query.sort value


INDEXES = [
    IndexDef("cql", "serverChoice", "all", "text", "Any field", "Будь-яке поле"),
    IndexDef("cql", "anywhere", "all", "text", "Anywhere", "Усюди"),
    IndexDef("cql", "keywords", "all", "text", "Keywords", "Ключові слова"),
    IndexDef("cql", "allRecords", "", "all", "All records", "Усі записи"),
    IndexDef("srw", "serverChoice", "all", "text", "Any field", "Будь-яке поле"),
    IndexDef("srw", "anywhere", "all", "text", "Anywhere", "Усюди"),
    IndexDef("dc", "title", "title", "text", "Title", "Назва", "title", "title"),
    IndexDef("dc", "creator", "names", "text", "Creator", "Автор", "author"),
    IndexDef("dc", "author", "names", "text", "Author", "Автор", "author"),
    IndexDef("dc", "contributor", "names", "text", "Contributor", "Співавтор", "author"),
    IndexDef("dc", "subject", "subjects", "text", "Subject", "Предметна рубрика", "subject"),
    IndexDef("dc", "date", "year", "year", "Date of publication", "Рік видання", None, "year"),
    IndexDef("dc", "identifier", "", "ident", "Identifier (ISBN, ISSN)", "Ідентифікатор (ISBN, ISSN)"),
    IndexDef("dc", "publisher", "publisher", "text", "Publisher", "Видавець"),
    IndexDef("dc", "language", "language", "keyword", "Language (ISO 639-2)", "Мова (ISO 639-2)"),
    IndexDef("dc", "type", "material_type", "keyword", "Material type", "Тип матеріалу"),
    IndexDef("bath", "isbn", "isbn", "keyword", "ISBN", "ISBN"),
    IndexDef("bath", "issn", "issn", "keyword", "ISSN", "ISSN"),
    IndexDef("bath", "name", "names", "text", "Name", "Ім'я", "author"),
    IndexDef("bath", "personalName", "names", "text", "Personal name", "Ім'я особи", "author"),
    IndexDef("bath", "corporateName", "names", "text", "Corporate name", "Назва організації", "author"),
    IndexDef("bath", "topicalSubject", "subjects", "text", "Topical subject", "Тематична рубрика", "subject"),
    IndexDef("bath", "standardIdentifier", "", "ident", "Standard identifier", "Стандартний ідентифікатор"),
    IndexDef("rec", "id", "id", "id", "Record identifier", "Ідентифікатор запису"),
    IndexDef("kat", "udc", "udc", "keyword", "UDC number", "Індекс УДК", "udc"),
    IndexDef("kat", "inv", "x_inv", "keyword", "Inventory number", "Інвентарний номер"),
    IndexDef("kat", "barcode", "x_barcode", "keyword", "Barcode", "Штрихкод"),
    IndexDef("kat", "series", "series", "text", "Series", "Серія"),
    IndexDef("kat", "year", "year", "year", "Year of publication", "Рік видання", None, "year"),
]
_BY_NAME = {(d.set, d.name.lower()): d for d in INDEXES}
# Unprefixed index names are looked up in these sets, in order.
_DEFAULT_SETS = ("cql", "dc", "bath", "kat", "rec")
KEY_FIELDS = {"title": "title_key", "names": "author_key", "subjects": "subject_key"}

TEXT_RELATIONS = {"=", "scr", "==", "all", "any", "adj", "<>"}
YEAR_RELATIONS = TEXT_RELATIONS | {"<", ">", "<=", ">=", "within"}
KNOWN_RELATIONS = YEAR_RELATIONS | {"encloses"}
# Relation modifiers that change nothing here (accepted), and masking switches.
IGNORED_MODIFIERS = {"relevant", "stem", "word", "string", "ignorecase", "ignoreaccents", "respectaccents",
                     "lang", "fuzzy", "partial", "locale"}
MASK_MODIFIERS = {"masked", "unmasked"}

MAX_QUERY_LENGTH = 2000
MAX_BOOLEANS = 64

_MASK, _ONE, _ANCHOR = "\x00", "\x01", "\x02"


class ParsedQuery(NamedTuple):
    tree: object  # search.query.Node or Clause
    sort: str  # search.query.Query.sort
    cql: object  # cql.parser.CQLQuery (for the echoed XCQL)


class _Parser:
    """One cql-parser instance shared by all threads (PLY parsers hold state: take the lock)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.parser = None

    def parse(self, text: str):
        with self.lock:
            if self.parser is None:
                lexer = CQLLexer()
                lexer.build()
                self.parser = CQLParser12()
                self.parser.build(lexer)
            return self.parser.parse(text)


_PARSER = _Parser()


def parse_cql(text: str, max_length: int = MAX_QUERY_LENGTH):
    """Parse CQL text with cql-parser; syntax errors become diagnostics 10, 13, 14, 12 or 27."""
    if text is None or not text.strip():
        raise SRUDiagnostic(27 if text is not None else 7, "query")
    if len(text) > max_length:
        raise SRUDiagnostic(12, str(max_length))
    if text.count('"') % 2 and text.count('\\"') == 0:
        raise SRUDiagnostic(14, "unbalanced quotes")
    try:
        result = _PARSER.parse(text)
    except CQLLexerError as exc:
        raise SRUDiagnostic(14 if '"' in str(exc) else 10, str(exc)[:200]) from None
    except CQLParserError as exc:
        raise SRUDiagnostic(13 if "parenthes" in str(exc) else 10, str(exc)[:200]) from None
    except RecursionError:
        raise SRUDiagnostic(10, "query too deeply nested") from None
    except Exception as exc:  # PLY can fail in odd ways on garbage; still a syntax error
        raise SRUDiagnostic(10, type(exc).__name__) from None
    if result is None or not hasattr(result, "root"):
        raise SRUDiagnostic(10, "incomplete query")
    _check_size(result.root)
    result.setServerDefaults()
    return result


def _check_size(root) -> None:
    count, stack = 0, [root]
    while stack:
        node = stack.pop()
        if isinstance(node, CQLTriple):
            count += 1
            if count > MAX_BOOLEANS:
                raise SRUDiagnostic(38, str(MAX_BOOLEANS))
            stack.extend((node.left, node.right))


@lru_cache(maxsize=2048)
def translate(text: str, max_length: int = MAX_QUERY_LENGTH) -> ParsedQuery:
    """CQL text -> search tree and sort order (raises SRUDiagnostic; results are cached:
    the tree is immutable and the parsed query is only read)."""
    cql = parse_cql(text, max_length)
    tree = _walk(cql.root, {})
    sort = "relevance"
    specs = getattr(cql.root, "sortSpecs", None) or []
    if specs:
        spec = specs[0]
        descending = any(str(m.name).lower() in ("sort.descending", "descending") for m in spec.modifiers or [])
        sort = sort_for(str(spec.index), descending)
    return ParsedQuery(tree, sort, cql)


def sort_for(index: str, descending: bool, prefixes: dict | None = None) -> str:
    """Query.sort for a sort index (``dc.title``, ``dc.date``...); unknown -> diagnostic 80."""
    definition = lookup_index(index, prefixes or {}, diag=80)
    if definition.sort is None:
        raise SRUDiagnostic(80, index)
    return ("-" if descending else "") + definition.sort


def parse_sort_keys(value: str) -> str:
    """SRU 1.1/2.0 ``sortKeys`` (``path,schema,ascending,caseSensitive,missingValue`` ...) -> Query.sort."""
    keys = value.split()
    if not keys:
        return "relevance"
    parts = keys[0].split(",")
    ascending = len(parts) < 3 or parts[2].strip() in ("", "1", "true")
    return sort_for(parts[0].strip(), not ascending)


def lookup_index(name: str, prefixes: dict, diag: int = 16) -> IndexDef:
    """Find an index by ``set.name`` or bare ``name`` (unknown set -> 15, unknown index -> ``diag``)."""
    if "." in name:
        prefix, base = name.split(".", 1)
        set_name = prefixes.get(prefix.lower(), prefix.lower())
        if set_name not in CONTEXT_SETS:
            raise SRUDiagnostic(15, prefix)
        definition = _BY_NAME.get((set_name, base.lower()))
        if definition is None and set_name == "srw":
            definition = _BY_NAME.get(("cql", base.lower()))
        if definition is None:
            raise SRUDiagnostic(diag, name)
        return definition
    for set_name in _DEFAULT_SETS:
        definition = _BY_NAME.get((set_name, name.lower()))
        if definition is not None:
            return definition
    raise SRUDiagnostic(diag, name)


def _scoped_prefixes(node, prefixes: dict) -> dict:
    assigned = getattr(node, "prefixes", None) or []
    if not assigned:
        return prefixes
    out = dict(prefixes)
    for p in assigned:
        set_name = _URI_ALIASES.get(str(p.uri).strip())
        name = (p.prefix or "cql").lower()
        if set_name is None:
            raise SRUDiagnostic(15, str(p.uri))
        out[name] = set_name
    return out


def _walk(node, prefixes: dict):
    prefixes = _scoped_prefixes(node, prefixes)
    if isinstance(node, CQLTriple):
        op = str(node.operator.value).lower()
        if op == "prox":
            raise SRUDiagnostic(39, "prox")
        if node.operator.modifiers:
            raise SRUDiagnostic(46, str(node.operator.modifiers[0]))
        left, right = _walk(node.left, prefixes), _walk(node.right, prefixes)
        if op in ("and", "or"):
            return Node(op, (left, right))
        if op == "not":
            return Node("not", (left, right))
        raise SRUDiagnostic(37, op)
    if isinstance(node, CQLSearchClause):
        return search_clause(str(node.index or "cql.serverChoice"), node.relation, node.term, prefixes)
    raise SRUDiagnostic(10, "unexpected query structure")


def _relation_parts(relation) -> tuple[str, bool]:
    """(relation name in lower case, masking on) after checking the modifiers."""
    name = str(relation.comparitor if relation is not None else "=").lower()
    masked = True
    for modifier in (relation.modifiers or []) if relation is not None else []:
        mod = str(modifier.name.basename if hasattr(modifier.name, "basename") else modifier.name).lower()
        if mod in MASK_MODIFIERS:
            masked = mod == "masked"
        elif mod not in IGNORED_MODIFIERS:
            raise SRUDiagnostic(20, str(modifier.name))
    return name, masked


def search_clause(index: str, relation, term: str, prefixes: dict | None = None):
    """One CQL search clause -> a Node/Clause tree."""
    definition = lookup_index(index, prefixes or {})
    rel, masked = _relation_parts(relation)
    if rel not in KNOWN_RELATIONS:
        raise SRUDiagnostic(19, rel)
    if definition.kind == "all":
        return Node("all")
    if rel == "<>":
        return Node("not", (Node("all"), _positive(definition, "=", term, masked)))
    return _positive(definition, rel, term, masked)


def _positive(d: IndexDef, rel: str, term: str, masked: bool):
    allowed = YEAR_RELATIONS if d.kind == "year" else TEXT_RELATIONS
    if rel not in allowed:
        raise SRUDiagnostic(19, rel)
    words = _words(term, masked)
    if not words:
        raise SRUDiagnostic(27, d.name)
    if d.kind == "year":
        return _year(d, rel, term)
    if d.kind == "ident":
        text = " ".join(_plain(w) for w in words)
        return Node("or", (Clause("isbn", "word", text), Clause("issn", "word", text)))
    if d.kind in ("keyword", "id"):
        if rel in ("any", "all"):
            clauses = tuple(_word_clause(d.field, w) for w in words)
            return clauses[0] if len(clauses) == 1 else Node("or" if rel == "any" else "and", clauses)
        return _word_clause(d.field, " ".join(words))
    # text
    if rel == "==" and d.field in KEY_FIELDS:
        whole = " ".join(words).replace(_ANCHOR, "")
        if whole.endswith(_MASK) and _MASK not in whole[:-1] and _ONE not in whole:
            return Clause(KEY_FIELDS[d.field], "prefix", whole.rstrip(_MASK))
        return Clause(KEY_FIELDS[d.field], "word", _plain(whole))
    if rel in ("adj", "=="):
        if any(_MASK in w or _ONE in w for w in words):
            if len(words) == 1:
                return _word_clause(d.field, words[0])
            raise SRUDiagnostic(33, term)
        return Clause(d.field, "phrase", " ".join(_plain(w) for w in words))
    clauses = tuple(_word_clause(d.field, w) for w in words)
    if len(clauses) == 1:
        return clauses[0]
    return Node("or" if rel == "any" else "and", clauses)


def _words(term: str, masked: bool) -> list[str]:
    """Split a term into words; unescaped ``*``, ``?``, ``^`` become markers (kept literal when unmasked)."""
    out, chars, escaped = [], [], False
    for ch in term or "":
        if escaped:
            chars.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in "*?^" and masked:
            chars.append({"*": _MASK, "?": _ONE, "^": _ANCHOR}[ch])
        elif ch.isspace():
            out.append("".join(chars))
            chars = []
        else:
            chars.append(ch)
    out.append("".join(chars))
    return [w for w in out if w.replace(_ANCHOR, "")]


def _plain(word: str) -> str:
    return word.replace(_MASK, "").replace(_ONE, "").replace(_ANCHOR, "")


def _word_clause(fname: str, word: str) -> Clause:
    word = word.replace(_ANCHOR, "")
    if _MASK not in word and _ONE not in word:
        return Clause(fname, "word", word)
    core = word.rstrip(_MASK)
    if _MASK not in core and _ONE not in core:
        if not core.strip():
            raise SRUDiagnostic(29, "*")
        return Clause(fname, "prefix", core)
    if not _plain(word).strip():
        raise SRUDiagnostic(29, word.replace(_MASK, "*").replace(_ONE, "?"))
    return Clause(fname, "wildcard", word.replace(_MASK, "*").replace(_ONE, "?"))


_YEAR = re.compile(r"^-?\d{1,4}$")


def _year(d: IndexDef, rel: str, term: str):
    text = term.strip().strip("^")
    if rel == "within":
        bounds = re.split(r"[\s/]+|(?<=\d)-(?=\d)", text)
        if len(bounds) != 2 or not all(_YEAR.match(b) for b in bounds):
            raise SRUDiagnostic(36, term)
        lo, hi = sorted(int(b) for b in bounds)
        return Clause("year", "range", f"{max(lo, 0)}-{max(hi, 0)}")
    if rel in ("<", ">", "<=", ">="):
        if not _YEAR.match(text):
            raise SRUDiagnostic(36, term)
        year = int(text)
        lo, hi = {"<": (0, year - 1), "<=": (0, year), ">": (year + 1, 9999), ">=": (year, 9999)}[rel]
        if hi < lo or hi < 0:
            return Node("not", (Node("all"), Node("all")))
        return Clause("year", "range", f"{max(lo, 0)}-{hi}")
    words = text.split()
    if rel == "any" and len(words) > 1:
        return Node("or", tuple(_year(d, "=", w) for w in words))
    if re.fullmatch(r"\d{1,4}-\d{1,4}", text):
        return Clause("year", "range", text)
    if re.fullmatch(r"\d{1,3}\*", text):
        return Clause("year", "prefix", text.rstrip("*"))
    if not _YEAR.match(text):
        raise SRUDiagnostic(36, term)
    return Clause("year", "word", text)


# --- XCQL (echoed request, SRU 1.x) ----------------------------------------------------

XCQL_NS = "http://www.loc.gov/zing/cql/xcql/"


def xcql(node, parent) -> None:
    """Append the XCQL of a cql-parser node (``operandType`` content) to an lxml ``parent``."""
    from lxml import etree

    q = "{%s}" % XCQL_NS
    assigned = getattr(node, "prefixes", None) or []
    if assigned:
        prefixes = etree.SubElement(parent, q + "prefixes")
        for p in assigned:
            el = etree.SubElement(prefixes, q + "prefix")
            etree.SubElement(el, q + "name").text = _xml(p.prefix or "")
            etree.SubElement(el, q + "identifier").text = _xml(str(p.uri))
    if isinstance(node, CQLTriple):
        triple = etree.SubElement(parent, q + "triple")
        boolean = etree.SubElement(triple, q + "boolean")
        etree.SubElement(boolean, q + "value").text = _xml(str(node.operator.value))
        _xcql_modifiers(boolean, node.operator.modifiers, q)
        xcql(node.left, etree.SubElement(triple, q + "leftOperand"))
        xcql(node.right, etree.SubElement(triple, q + "rightOperand"))
    else:
        clause = etree.SubElement(parent, q + "searchClause")
        etree.SubElement(clause, q + "index").text = _xml(str(node.index or "cql.serverChoice"))
        relation = etree.SubElement(clause, q + "relation")
        etree.SubElement(relation, q + "value").text = _xml(str(node.relation.comparitor if node.relation else "="))
        _xcql_modifiers(relation, node.relation.modifiers if node.relation else None, q)
        etree.SubElement(clause, q + "term").text = _xml(node.term)


def _xcql_modifiers(parent, modifiers, q) -> None:
    if not modifiers:
        return
    from lxml import etree

    el = etree.SubElement(parent, q + "modifiers")
    for m in modifiers:
        mod = etree.SubElement(el, q + "modifier")
        etree.SubElement(mod, q + "type").text = _xml(str(m.name))
        if m.comparitor is not None and m.value is not None:
            etree.SubElement(mod, q + "comparison").text = _xml(m.comparitor)
            etree.SubElement(mod, q + "value").text = _xml(m.value)


def _xml(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (client input may hold any)."""
    return "".join(ch for ch in text or "" if ch in "\t\n\r" or " " <= ch <= "\ud7ff" or "\ue000" <= ch <= "\ufffd" or ch >= "\U00010000")
