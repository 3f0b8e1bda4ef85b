"""Compile the Ukrainian (and any other) message catalogues: ``python -m catalog.i18n``.

Each area may keep its own ``translations/`` folder; all are loaded by the app factory.
The compiled ``.mo`` files are committed; a test checks they match their ``.po``.
"""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).parent


def po_files() -> list[Path]:
    return sorted(ROOT.glob("**/translations/*/LC_MESSAGES/*.po"))


def compile_po(po_path: Path) -> bytes:
    import io

    with po_path.open("rb") as f:
        catalog = read_po(f)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def compile_all() -> list[Path]:
    written = []
    for po_path in po_files():
        mo_path = po_path.with_suffix(".mo")
        data = compile_po(po_path)
        if not mo_path.exists() or mo_path.read_bytes() != data:
            mo_path.write_bytes(data)
            written.append(mo_path)
    return written


if __name__ == "__main__":
    for path in compile_all():
        print(f"compiled {path.relative_to(ROOT.parent)}")
