"""Importing every MARC21 and UNIMARC file of ../shared/data/marc through `import_files`:
every record pymarc can read is stored (or matched), each malformed one is listed with a
reason, nothing crashes, and the RUSMARC files come out as Cyrillic. Skipped in a fresh
clone, where ../shared is absent."""

import pytest
from sqlalchemy import func, select

from catalog.models import Record
from catalog.records.importer import import_files
from marc.io import read_records
from tests.conftest import SHARED

CORPUS = SHARED / "data" / "marc"
pytestmark = [pytest.mark.shared, pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/data/marc is absent")]
MARC_SUFFIXES = {".mrc", ".iso", ".marc", ".usmarc", ".xml", ".json", ".dat", ".bin", ".utf8", ".mrk8"}


def corpus_files():
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "SOURCES.md")


def test_every_shared_file_imports_without_crashing(db):
    stored_or_matched = readable = failed = 0
    for path in corpus_files():
        items = list(read_records(path))
        readable += sum(1 for i in items if i.record is not None)
        report = import_files(db, "test", [path], workers=1)
        stored_or_matched += report.imported + report.updated + report.skipped
        failed += report.failed
        assert report.failed == len(report.problems)
        for problem in report.problems:
            assert problem.reason and problem.position >= 1, problem
    assert readable > 6000
    assert stored_or_matched == readable
    assert db.scalar(select(func.count()).select_from(Record)) > 5000


@pytest.mark.parametrize("name", ["irbis/test1.iso", "rusmarc-py", "marc4s"])
def test_rusmarc_comes_out_as_cyrillic(db, name):
    paths = [CORPUS / name] if (CORPUS / name).is_file() else sorted((CORPUS / name).iterdir())
    report = import_files(db, "test", [p for p in paths if p.is_file()], fmt="unimarc", workers=1)
    assert report.imported > 0
    titles = db.scalars(select(Record.title).where(Record.id.in_(report.record_ids))).all()
    cyrillic = [t for t in titles if any("\u0400" <= ch <= "\u04ff" for ch in t)]
    assert len(cyrillic) >= 0.9 * len(titles)
    assert not any("\ufffd" in t for t in titles), "replacement characters: the wrong code page was used"
