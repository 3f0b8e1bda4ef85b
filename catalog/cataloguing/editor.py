"""The full MARC editor: a pymarc record as editable rows and back.

The form posts one row per field (``f-N-tag``, ``f-N-i1``, ``f-N-i2``, ``f-N-data`` for control
fields, ``f-N-s-M-code`` / ``f-N-s-M-value`` for subfields) and the leader (``leader``).
Structural buttons (add/remove/move) post ``op`` and are applied on the server, so the editor
works without JavaScript; ``cataloguing.js`` only does the same thing in place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pymarc
from pymarc import Field, Indicators, Subfield

TAG = re.compile(r"^[0-9A-Za-z]{3}$")


@dataclass
class Row:
    """One field as the editor shows it."""

    tag: str
    ind1: str = " "
    ind2: str = " "
    data: str | None = None  # control field data; None for data fields
    subfields: list[list[str]] = field(default_factory=list)  # [[code, value], ...]

    @property
    def is_control(self) -> bool:
        return self.tag < "010" and self.tag.isdigit()


def rows_of(record: pymarc.Record) -> list[Row]:
    """The record's fields as editor rows, in record order."""
    rows = []
    for f in record.fields:
        if f.is_control_field():
            rows.append(Row(tag=f.tag, data=f.data))
        else:
            rows.append(Row(tag=f.tag, ind1=f.indicator1 or " ", ind2=f.indicator2 or " ",
                            subfields=[[s.code, s.value] for s in f.subfields]))
    return rows


def record_of(leader: str, rows: list[Row]) -> pymarc.Record:
    """Build a pymarc record from editor rows; empty subfields and empty rows are dropped."""
    record = pymarc.Record(force_utf8=True)
    # a malformed leader is kept as typed, so validation can name the problem
    record.leader = pymarc.Leader(leader) if len(leader) == 24 else leader
    for row in rows:
        tag = row.tag.strip()
        if not tag:
            continue
        if row.is_control:
            if row.data:
                record.add_field(Field(tag=tag, data=row.data))
            continue
        subs = [Subfield(code=c.strip()[:1], value=v) for c, v in row.subfields if c.strip() and v.strip()]
        if subs:
            record.add_field(Field(tag=tag, indicators=Indicators(_ind(row.ind1), _ind(row.ind2)), subfields=subs))
    return record


def _ind(value: str) -> str:
    """One indicator character; '#' and '_' (as cataloguers write a blank) mean blank."""
    value = (value or " ")[:1]
    return " " if value in ("#", "_", "") else value


def rows_from_form(form) -> tuple[str, list[Row]]:
    """Read the leader and the rows posted by the editor form (in posted order)."""
    indexes = sorted({int(m.group(1)) for key in form for m in [re.match(r"^f-(\d+)-tag$", key)] if m})
    rows = []
    for n in indexes:
        tag = form.get(f"f-{n}-tag", "").strip()
        row = Row(tag=tag, ind1=form.get(f"f-{n}-i1", " ") or " ", ind2=form.get(f"f-{n}-i2", " ") or " ")
        if f"f-{n}-data" in form and (row.is_control or not any(k.startswith(f"f-{n}-s-") for k in form)):
            row.data = form.get(f"f-{n}-data", "")
            if not row.is_control and row.data:
                row.subfields = parse_subfield_text(row.data)
                row.data = None
        else:
            subs = sorted({int(m.group(1)) for key in form for m in [re.match(rf"^f-{n}-s-(\d+)-code$", key)] if m})
            row.subfields = [[form.get(f"f-{n}-s-{m}-code", ""), form.get(f"f-{n}-s-{m}-value", "")] for m in subs]
        rows.append(row)
    return form.get("leader", ""), rows


def parse_subfield_text(text: str) -> list[list[str]]:
    """"$aTitle$bsub" (or with ‡ or |) -> [["a", "Title"], ["b", "sub"]]."""
    parts = re.split(r"[$‡|]", text)
    return [[p[0], p[1:].strip()] for p in parts[1:] if p]


def apply_op(rows: list[Row], op: str) -> list[Row]:
    """Apply one structural edit: ``add-field``, ``add-field:TAG``, ``del:N``, ``up:N``, ``down:N``, ``add-sub:N``,
    ``del-sub:N:M``, ``sub-up:N:M``."""
    name, _, arg = op.partition(":")
    parts = [int(p) if p.isdigit() else p for p in arg.split(":")] if arg else []
    if name == "add-field":
        tag = str(parts[0]) if parts and not isinstance(parts[0], int) else (arg if arg else "")
        new = Row(tag=tag or "", subfields=[["a", ""]])
        rows.append(new)
        return rows
    n = parts[0] if parts and isinstance(parts[0], int) else -1
    if not 0 <= n < len(rows):
        return rows
    if name == "del":
        del rows[n]
    elif name == "up" and n > 0:
        rows[n - 1], rows[n] = rows[n], rows[n - 1]
    elif name == "down" and n < len(rows) - 1:
        rows[n + 1], rows[n] = rows[n], rows[n + 1]
    elif name == "add-sub" and not rows[n].is_control:
        rows[n].subfields.append(["", ""])
    elif name in ("del-sub", "sub-up") and len(parts) > 1 and isinstance(parts[1], int):
        m, subs = parts[1], rows[n].subfields
        if 0 <= m < len(subs):
            if name == "del-sub":
                del subs[m]
            elif m > 0:
                subs[m - 1], subs[m] = subs[m], subs[m - 1]
    return rows


def sort_rows(rows: list[Row]) -> list[Row]:
    """Rows in tag order (stable), as MARC expects fields."""
    return sorted(rows, key=lambda r: (r.tag or "zzz"))


def field_text(f: Field) -> str:
    """One field as a readable line: ``245 10 $aTitle :$bsubtitle``."""
    if f.is_control_field():
        return f"{f.tag}    {f.data}"
    ind = (f.indicator1 or " ").replace(" ", "#") + (f.indicator2 or " ").replace(" ", "#")
    return f"{f.tag} {ind} " + "".join(f"${s.code}{s.value}" for s in f.subfields)


def apply_fixed(raw: str, original: str, positions: dict[int, str], widths: dict[int, int]) -> str:
    """Apply the fixed-field helper's per-position inputs to a leader/008/100$a value.

    The raw value wins when the cataloguer edited it directly (it differs from ``original``, the
    value the helper was drawn from); otherwise each position is written in place.
    """
    if raw != original or not positions:
        return raw
    total = max([len(raw)] + [p + widths.get(p, 1) for p in positions])
    chars = list(raw.ljust(total))
    for pos, value in positions.items():
        width = widths.get(pos, 1)
        chars[pos:pos + width] = list(value.replace("#", " ").ljust(width)[:width])
    composed = "".join(chars)
    return raw if composed.rstrip() == raw.rstrip() else composed


def fixed_helpers_from_form(form, key: str) -> tuple[str | None, dict[int, str]]:
    """The posted helper positions for ``key`` (``leader`` or a row number) and the original value."""
    prefix = f"fx-{key}-"
    positions = {int(k[len(prefix):]): v for k, v in form.items() if k.startswith(prefix) and k[len(prefix):].isdigit()}
    return form.get(f"fxorig-{key}"), positions


def kept_rows(rows: list[Row]) -> list[int]:
    """Indexes of the rows that become fields in ``record_of`` (so a problem's field index maps to a row)."""
    kept = []
    for n, row in enumerate(rows):
        if not row.tag.strip():
            continue
        if row.is_control:
            if row.data:
                kept.append(n)
        elif any(c.strip() and v.strip() for c, v in row.subfields):
            kept.append(n)
    return kept
