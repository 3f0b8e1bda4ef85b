"""Universal Decimal Classification (UDC): a browse tree with Ukrainian captions.

The tree (``marc/profiles/udc_uk.json``) holds the main classes 0-9 (4 is vacant)
and their first-level divisions, following the UDC Summary and the Ukrainian UDC
tables, with a few deeper nodes cataloguers here use daily (004, 811.161.2,
821.161.2, 94(477)). UDC is mandatory in Ukraine (Cabinet of Ministers
resolution No. 177 of 22.03.2017); it goes to UNIMARC 675$a / MARC21 080$a.

Notations in the tree may be ranges (``902/908``, ``93/94``) as in the UDC Summary.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

UDC_FILE = Path(__file__).resolve().parent / "profiles" / "udc_uk.json"

# Characters that occur in UDC notations: digits, the connecting signs + / : ::,
# brackets [ ] ( ), quotes for time "...", = for language, - and . for
# subdivisions, ' for special auxiliaries, * and A/Z for non-UDC notations.
_UDC_CHARS = re.compile(r"""[0-9.:+/()\[\]"=\-'*A-Za-zА-Яа-яІіЇїЄєҐґ ]+""")


@dataclass(frozen=True)
class UdcNode:
    """One class of the browse tree."""

    code: str
    uk: str
    en: str
    children: tuple[UdcNode, ...] = field(default=())
    vacant: bool = False

    def caption(self, lang: str = "uk") -> str:
        """The caption in ``lang`` (``uk`` or ``en``)."""
        return self.uk if lang == "uk" else self.en


def _build(item: dict) -> UdcNode:
    return UdcNode(
        code=item["code"],
        uk=item["uk"],
        en=item["en"],
        children=tuple(_build(child) for child in item.get("children", [])),
        vacant=item.get("vacant", False),
    )


@lru_cache(maxsize=1)
def main_classes() -> tuple[UdcNode, ...]:
    """Return the ten main classes 0-9, each with its divisions."""
    with open(UDC_FILE, encoding="utf-8") as fh:
        data = json.load(fh)
    return tuple(_build(item) for item in data["classes"])


def _walk(nodes, parents=()):
    for node in nodes:
        yield node, parents
        yield from _walk(node.children, parents + (node,))


def find(code: str) -> UdcNode | None:
    """Return the node with exactly this notation, or None."""
    for node, _ in _walk(main_classes()):
        if node.code == code:
            return node
    return None


def children(code: str | None = None) -> tuple[UdcNode, ...]:
    """Return the divisions of ``code``, or the main classes when ``code`` is None."""
    if code is None:
        return main_classes()
    node = find(code)
    return node.children if node else ()


def _covers(node_code: str, notation: str) -> bool:
    """True when ``notation`` falls under the class ``node_code`` (prefix or range)."""
    if "/" in node_code:
        low, high = node_code.split("/", 1)
        head = notation[: len(low)]
        return len(head) == len(low) and head.isdigit() and low <= head <= high
    return notation.startswith(node_code.rstrip(")"))


def path(notation: str) -> list[UdcNode]:
    """Return the chain of tree classes (main class first) that a UDC notation falls under.

    ``path("821.161.2-3")`` gives 8 > 82 > 821 > 821.161.2; a notation outside the
    tree gives at least its main class, or ``[]`` when it does not start with one.
    """
    notation = (notation or "").strip()
    chain: list[UdcNode] = []
    nodes = main_classes()
    while True:
        matches = [n for n in nodes if _covers(n.code, notation)]
        if not matches:
            return chain
        match = max(matches, key=lambda n: len(n.code))  # the most specific sibling
        chain.append(match)
        nodes = match.children


def caption(notation: str, lang: str = "uk") -> str | None:
    """Caption of the most specific tree class a notation falls under (None if none)."""
    chain = path(notation)
    return chain[-1].caption(lang) if chain else None


def looks_like_udc(notation: str) -> bool:
    """A light syntax check: a UDC notation starts with a digit (or an auxiliary sign) and uses UDC characters."""
    notation = (notation or "").strip()
    if not notation or not _UDC_CHARS.fullmatch(notation):
        return False
    return bool(re.match(r"""[0-9("\[=]""", notation)) and any(ch.isdigit() for ch in notation)


def search(query: str, lang: str = "uk", limit: int = 50) -> list[UdcNode]:
    """Tree classes whose notation starts with ``query`` or whose caption contains it (case-folded)."""
    query = (query or "").strip()
    if not query:
        return []
    key = query.casefold()
    found = [
        node
        for node, _ in _walk(main_classes())
        if node.code.startswith(query)
        or key in node.caption(lang).casefold()
        or key in node.caption("uk").casefold()
    ]
    return found[:limit]
