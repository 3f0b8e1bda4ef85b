"""Demo data for ``kataloh init --demo``: real public records and Ukrainian ones (see data/SOURCES.md)."""

from pathlib import Path

from sqlalchemy import func, select

from catalog.models import User

DATA = Path(__file__).parent / "data"
# (file, format, encoding override)
DEMO_FILES = [
    ("ukrainian-unimarc.json", "unimarc", None),
    ("nlr-rusmarc-cp1251.iso", "unimarc", "cp1251"),
    ("cornell-exemplars-marc21.mrc", "marc21", None),
]
DEMO_PASSWORD = "kataloh-demo"
DEMO_USERS = [("admin", "admin"), ("cataloguer", "cataloguer"), ("acquisitions", "acquisitions"), ("inventory", "inventory")]

# Areas add demo data of their own (copies, receipts...): callables taking (session).
DEMO_EXTRAS: list = []


def load_demo(session, progress=None) -> str:
    """Import the demo records (idempotent), add demo staff accounts on an empty instance, index."""
    from catalog.auth.services import create_user
    from catalog.indexing import drain_queue
    from catalog.records.importer import import_files

    lines = []
    for name, fmt, encoding in DEMO_FILES:
        report = import_files(session, "demo", [DATA / name], fmt=fmt, encoding=encoding, progress=progress)
        lines.append(f"{name}: {report.summary()}")
    if not session.scalar(select(func.count()).select_from(User)):
        for username, role in DEMO_USERS:
            create_user(session, username, DEMO_PASSWORD, role, actor="demo")
        lines.append(f"demo staff accounts {', '.join(u for u, _ in DEMO_USERS)} with password '{DEMO_PASSWORD}'"
                     " (for trying Kataloh out only: change or disable them)")
    for extra in DEMO_EXTRAS:
        lines.append(extra(session))
    drain_queue(session)
    return "\n".join(lines)
