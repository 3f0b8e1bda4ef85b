"""Data-driven MARC format profiles (MARC21 and UNIMARC, bibliographic and authority).

Each profile is a JSON file beside this module: tags with Ukrainian and English
names, repeatability, mandatory elements, allowed indicator values, subfields and
the positions of the fixed fields (leader, MARC21 008, UNIMARC 100$a). The
validator (``marc.validate``) and the cataloguing editors read them; nothing
about a format is hard-coded elsewhere.

A profile is a plain dict (treat it as read-only: it is cached and shared)::

    {"format": "unimarc", "kind": "bibliographic", "uk": ..., "en": ...,
     "leader": {"length": 24, "positions": [Position, ...]},
     "fixed": {"100": {"subfield": "a", "length": 36, "positions": [...]}},
     "title_tag": "200", "local_tags": regex, "recommended": {tag: {"uk", "en"}},
     "coded": [{"tag", "codes", "kind", "unless"}], "udc": [[tag, code]],
     "blocks": {"0": {"uk", "en"}, ...},
     "isbn": {"valid": [[tag, code]], "cancelled": [...]}, "issn": {...},
     "fields": {tag: FieldDef}}

``FieldDef``: ``tag, uk, en, repeatable, mandatory`` and either ``control: true``
or ``ind1``/``ind2`` (``{value: {"uk", "en"}}``, ``None`` = not checked) and
``subfields`` (``{code: {"uk", "en", "repeatable", "mandatory"}}``, ``None`` =
not checked; ``open: true`` = subfields not listed are accepted). ``Position``: ``pos, length, uk, en`` and optionally ``values``
(``{code: {"uk", "en"}}``), ``kind`` (``date8``, ``date6``, ``year``, ``lang``,
``country``, ``digits_or_blank``), ``each`` (every character of the range is a
code) and ``when`` (``{"leader_06": "at", "leader_07": "acdm"}``).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

PROFILE_DIR = Path(__file__).resolve().parent
PROFILE_NAMES = ("unimarc_bib", "marc21_bib", "unimarc_auth", "marc21_auth")

_KINDS = {"bibliographic": "bib", "bib": "bib", "authority": "auth", "auth": "auth", "authorities": "auth"}


@cache
def load_profile(name: str) -> dict:
    """Load a profile by name (``unimarc_bib``, ``marc21_bib``, ``unimarc_auth``, ``marc21_auth``)."""
    if name not in PROFILE_NAMES:
        raise ValueError(f"unknown MARC profile {name!r}; expected one of {', '.join(PROFILE_NAMES)}")
    with open(PROFILE_DIR / f"{name}.json", encoding="utf-8") as fh:
        profile = json.load(fh)
    profile["name"] = name
    return profile


def profile_for(fmt: str, kind: str = "bibliographic") -> dict:
    """Return the profile for a format (``marc21``/``unimarc``) and kind (``bibliographic``/``authority``)."""
    fmt = (fmt or "").lower()
    if fmt not in ("marc21", "unimarc"):
        raise ValueError(f"unknown MARC format {fmt!r}; expected 'marc21' or 'unimarc'")
    try:
        short = _KINDS[(kind or "").lower()]
    except KeyError:
        raise ValueError(f"unknown record kind {kind!r}; expected 'bibliographic' or 'authority'") from None
    return load_profile(f"{fmt}_{short}")


def resolve_profile(profile_or_name: dict | str) -> dict:
    """Accept a profile dict, a profile name, or a bare format name (meaning its bibliographic profile)."""
    if isinstance(profile_or_name, dict):
        return profile_or_name
    if profile_or_name in ("marc21", "unimarc"):
        return profile_for(profile_or_name)
    return load_profile(profile_or_name)


def profile_for_record(record, fmt: str) -> dict:
    """Return the profile for a record: authority when the leader says so (MARC21 06=z, UNIMARC 06=x/y/z)."""
    leader = str(record.leader or "")
    kind_code = leader[6] if len(leader) > 6 else ""
    is_authority = kind_code == "z" if fmt == "marc21" else kind_code in ("x", "y", "z")
    return profile_for(fmt, "authority" if is_authority else "bibliographic")


def field_def(profile: dict, tag: str) -> dict | None:
    """Return the definition of a tag, or None when the profile does not define it."""
    return profile["fields"].get(tag)


def field_name(profile: dict, tag: str, lang: str = "uk") -> str:
    """Return the name of a tag in ``lang`` (``uk`` or ``en``); local and unknown tags get a generic name."""
    fdef = field_def(profile, tag)
    if fdef:
        return fdef[lang]
    if is_local_tag(profile, tag):
        return "Локальне поле" if lang == "uk" else "Local field"
    return "Невідоме поле" if lang == "uk" else "Unknown field"


def subfield_def(profile: dict, tag: str, code: str) -> dict | None:
    """Return the definition of subfield ``code`` of ``tag``, or None."""
    fdef = field_def(profile, tag)
    if not fdef or not fdef.get("subfields"):
        return None
    return fdef["subfields"].get(code)


def subfield_names(profile: dict, tag: str, lang: str = "uk") -> dict[str, str]:
    """Return ``{code: name}`` for the subfields of ``tag`` (empty when not defined)."""
    fdef = field_def(profile, tag)
    if not fdef or not fdef.get("subfields"):
        return {}
    return {code: sdef[lang] for code, sdef in fdef["subfields"].items()}


def indicator_choices(profile: dict, tag: str, which: int, lang: str = "uk") -> list[tuple[str, str]]:
    """Return ``[(value, name)]`` allowed for indicator 1 or 2 of ``tag`` (empty: any value)."""
    fdef = field_def(profile, tag)
    if not fdef or fdef.get("control"):
        return []
    values = fdef.get(f"ind{which}")
    if not values:
        return []
    return [(value, names[lang]) for value, names in values.items()]


def tag_choices(profile: dict, lang: str = "uk") -> list[tuple[str, str]]:
    """Return ``[(tag, name)]`` of every defined tag, in tag order: the tag picker of the MARC editor."""
    return [(tag, fdef[lang]) for tag, fdef in sorted(profile["fields"].items())]


def tag_groups(profile: dict, lang: str = "uk") -> list[tuple[str, list[tuple[str, str]]]]:
    """Return ``[(block name, [(tag, name)])]``: the tag picker grouped by block (0XX, 1XX ... 9XX)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for tag, name in tag_choices(profile, lang):
        groups.setdefault(tag[0], []).append((tag, name))
    blocks = profile.get("blocks", {})
    return [(blocks[b][lang] if b in blocks else f"{b}XX", tags) for b, tags in sorted(groups.items())]


def fixed_positions(profile: dict, tag: str) -> list[dict]:
    """Return the position definitions of a fixed field: ``LDR`` (leader), ``008``, UNIMARC ``100``/``105`` ($a)."""
    if tag == "LDR":
        return profile["leader"]["positions"]
    fixed = profile.get("fixed", {}).get(tag)
    return fixed["positions"] if fixed else []


def is_local_tag(profile: dict, tag: str) -> bool:
    """True for tags the format leaves to local use (MARC21 9XX, 09X, 59X, 69X; UNIMARC 9XX, X9X)."""
    pattern = profile.get("local_tags")
    return bool(pattern and re.match(pattern, tag))
