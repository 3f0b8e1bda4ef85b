"""The UDC browse tree for the workbench, from ``marc.udc`` (Ukrainian captions).

Falls back to the ten main classes when ``marc.udc`` is not installed.
"""

from __future__ import annotations

FALLBACK = {
    "0": ("Загальний відділ. Наука. Інформація", "Science and knowledge. Information. General"),
    "1": ("Філософія. Психологія", "Philosophy. Psychology"),
    "2": ("Релігія. Теологія", "Religion. Theology"),
    "3": ("Суспільні науки", "Social sciences"),
    "5": ("Математика. Природничі науки", "Mathematics. Natural sciences"),
    "6": ("Прикладні науки. Медицина. Техніка", "Applied sciences. Medicine. Technology"),
    "7": ("Мистецтво. Розваги. Спорт", "The arts. Recreation. Sport"),
    "8": ("Мова. Мовознавство. Література", "Language. Linguistics. Literature"),
    "9": ("Географія. Біографії. Історія", "Geography. Biography. History"),
}


def _module():
    try:
        from marc import udc
    except ImportError:
        return None
    return udc


def _caption(node, lang: str) -> str:
    if isinstance(node, dict):
        return node.get(lang) or node.get("uk") or node.get("caption") or ""
    for attr in (lang, "uk", "caption", "caption_uk", "label"):
        if hasattr(node, attr) and getattr(node, attr):
            return getattr(node, attr)
    return str(node)


def _code(node) -> str:
    return node.get("code", "") if isinstance(node, dict) else getattr(node, "code", str(node))


def browse(code: str = "", q: str = "", lang: str = "uk") -> dict:
    """{"path": [(code, caption)], "children": [(code, caption)], "matches": [(code, caption)]}."""
    udc = _module()
    out = {"path": [], "children": [], "matches": []}
    if udc is None:
        out["children"] = [(c, FALLBACK[c][0 if lang == "uk" else 1]) for c in FALLBACK] if not code else []
        if q:
            out["matches"] = [(c, v[0]) for c, v in FALLBACK.items() if q.casefold() in v[0].casefold() or c.startswith(q)]
        return out
    if hasattr(udc, "children"):
        out["children"] = [(_code(n), _caption(n, lang)) for n in udc.children(code or None)]
    if code and hasattr(udc, "path"):
        out["path"] = [(_code(n), _caption(n, lang)) for n in udc.path(code)]
    if q:
        out["matches"] = [(_code(n), _caption(n, lang)) for n in _search(udc, q)][:50]
    return out


def _search(udc, q: str) -> list:
    """Classes whose notation starts with ``q`` or whose caption contains it (case-folded)."""
    key = q.strip().casefold()
    found, stack = [], list(udc.main_classes())
    while stack:
        node = stack.pop(0)
        if node.code.startswith(q.strip()) or key in node.uk.casefold() or key in node.en.casefold():
            found.append(node)
        stack.extend(node.children)
    return found
