"""RIS and BibTeX from a real record (the demo's Ukrainian UNIMARC textbook)."""

from catalog.demo import DATA
from marc.citations import bibtex, ris
from marc.io import read_records

SVERDAN = next(i.record for i in read_records(DATA / "ukrainian-unimarc.json", fmt="unimarc"))


def test_ris_has_type_title_author_year_and_end():
    text = ris(SVERDAN, "unimarc", 1)
    lines = text.splitlines()
    assert lines[0] == "TY  - BOOK"
    assert "TI  - Вища математика : математичний аналіз і теорія ймовірностей : підручник" in lines
    assert any(line.startswith("AU  - Свердан") for line in lines)
    assert "PY  - 2008" in lines and "PB  - Знання" in lines and "CY  - Київ" in lines
    assert "SN  - 978-966-346-520-3" in lines
    assert lines[-1] == "ER  - "


def test_bibtex_entry():
    text = bibtex(SVERDAN, "unimarc", 1)
    assert text.startswith("@book{Свердан2008_1,\n")
    assert "  year = {2008}" in text and "  publisher = {Знання}" in text
    assert text.rstrip().endswith("}")
