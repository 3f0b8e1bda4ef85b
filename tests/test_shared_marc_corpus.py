"""Read every MARC 21 and UNIMARC file of ../shared/data/marc/ (skipped in a fresh clone).

Each file must give at least as many records as SOURCES.md's "records" column (what
pymarc reads), give every bad record a reason, never raise, and the Cyrillic RUSMARC
files must come out as Cyrillic.
"""

import re
from pathlib import Path

import pytest

from marc.io import read_records

REPO = Path(__file__).resolve().parent.parent
CANDIDATES = [REPO.parent / "shared" / "data" / "marc", Path("/work/shared/data/marc")]
CORPUS = next((path for path in CANDIDATES if (path / "SOURCES.md").exists()), None)

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(CORPUS is None, reason="../shared/data/marc is not present"),
]

CYRILLIC = re.compile("[\u0400-\u04ff]")
# Files whose records are all Cyrillic RUSMARC (irbis/ and rusmarc-py/ are cp1251, marc4s/ UTF-8).
CYRILLIC_FILES = [
    "irbis/test1.iso",
    "rusmarc-py/TEST1.ISO",
    "rusmarc-py/TEST2.ISO",
    "rusmarc-py/ur.iso",
    "marc4s/rusmarc-utf8-example.iso",
    "marc4s/rusmarc-utf8-galsworthy-example.iso",
    "pymarc/1251.dat",
    "xbib-marc/rusmarc.xml",
]


def _table() -> list[tuple[str, str, int]]:
    """(file, format column, records column) for each MARC 21 / UNIMARC row of SOURCES.md."""
    rows = []
    for line in (CORPUS / "SOURCES.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 10 or not cells[0].startswith("`"):
            continue
        name, fmt, records = cells[0].strip("`"), cells[5], cells[7]
        if ("MARC21" in fmt or "UNIMARC" in fmt) and records.isdigit() and (CORPUS / name).exists():
            rows.append((name, fmt, int(records)))
    return rows


def _text(record) -> str:
    return " ".join(
        f.data if f.control_field else " ".join(s.value for s in f.subfields) for f in record.fields
    )


def test_sources_table_is_parsed():
    rows = _table()
    assert len(rows) > 300
    assert ("irbis/test1.iso", "UNIMARC (RUSMARC) / ISO 2709", 81) in rows


@pytest.mark.parametrize("name,fmt,expected", _table() if CORPUS else [])
def test_every_file_reads_without_exception(name, fmt, expected):
    # The format column is not asserted: e.g. catmandu-marc/dollar_subfields.mrc, listed
    # as MARC21, holds Greek UNIMARC records (100 $a, 200, 801), and detection says so.
    items = list(read_records(CORPUS / name))
    good = [item for item in items if item.record is not None]
    tolerance = max(1, expected // 50)
    assert len(good) >= expected - tolerance, [item.error for item in items if item.error][:5]
    for item in items:
        if item.record is None:
            assert item.error and item.error.startswith(f"record {item.position}")
    assert [item.position for item in items] == list(range(1, len(items) + 1))
    assert all(item.format in ("marc21", "unimarc") for item in items)


@pytest.mark.parametrize("name", CYRILLIC_FILES)
def test_cyrillic_files_decode_to_cyrillic(name):
    items = list(read_records(CORPUS / name))
    assert items and all(item.record is not None for item in items)
    for item in items:
        text = _text(item.record)
        assert CYRILLIC.search(text), (item.position, text[:200])
        # mojibake of cp1251 read as Latin-1 or of UTF-8 read as cp1251 would show these
        assert not re.search("[ÐÑÃâ€]{2}", text), (item.position, text[:200])
