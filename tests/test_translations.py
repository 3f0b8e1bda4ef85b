"""Every committed .mo file matches its .po (so the UI shows what the catalogue says)."""

from catalog.i18n import compile_po, po_files


def test_every_catalogue_is_compiled():
    files = po_files()
    assert files, "no message catalogues found"
    for po_path in files:
        mo_path = po_path.with_suffix(".mo")
        assert mo_path.exists(), f"{po_path} is not compiled: run python -m catalog.i18n"
        assert mo_path.read_bytes() == compile_po(po_path), f"{mo_path} is stale: run python -m catalog.i18n"
