"""Read the format profiles (``marc/profiles/*.json``) for the editor's helpers: field and
subfield names, indicator values, fixed-field positions."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import marc

PROFILE_DIR = Path(marc.__file__).parent / "profiles"


@lru_cache(maxsize=8)
def profile(fmt: str, kind: str = "bibliographic") -> dict:
    """The profile as data ({} when the file is not there)."""
    path = PROFILE_DIR / f"{fmt}_{'bib' if kind == 'bibliographic' else 'auth'}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def field_def(fmt: str, tag: str, kind: str = "bibliographic") -> dict:
    return profile(fmt, kind).get("fields", {}).get(tag, {})


def label(fmt: str, tag: str, lang: str = "uk", kind: str = "bibliographic") -> str:
    return field_def(fmt, tag, kind).get(lang, "")


def indicator_options(fmt: str, tag: str, which: str, kind: str = "bibliographic", lang: str = "uk") -> list[tuple[str, str]]:
    """[(value, caption)] allowed for indicator ``ind1``/``ind2`` of ``tag``; [] when not defined."""
    values = field_def(fmt, tag, kind).get(which) or {}
    return [(v, (d.get(lang) or d.get("en") or "") if isinstance(d, dict) else str(d)) for v, d in values.items()]


def fixed_positions(fmt: str, what: str, kind: str = "bibliographic") -> list[dict]:
    """Positions of the leader (``what="leader"``) or a fixed field (``008``, ``100``)."""
    prof = profile(fmt, kind)
    if what == "leader":
        return prof.get("leader", {}).get("positions", [])
    return prof.get("fixed", {}).get(what, {}).get("positions", [])


def fixed_tag(fmt: str) -> str:
    """The fixed-length field the helper edits: MARC 21 008, UNIMARC 100 $a."""
    return "100" if fmt == "unimarc" else "008"
