"""Demo data for acquisitions: a couple of receipts with copies of demo records."""

from datetime import date

from sqlalchemy import func, select

from catalog.acquisitions import services
from catalog.acquisitions.models import Receipt
from catalog.models import Record


def load_demo_acquisitions(session) -> str:
    """Two receipts (a donation and a Ukrainian Book Institute delivery) with copies; idempotent."""
    if session.scalar(select(func.count()).select_from(Receipt)):
        return "acquisitions demo: receipts already present"
    records = session.scalars(select(Record).where(Record.status != "deleted", Record.kind == "bibliographic")
                              .order_by(Record.id).limit(6)).all()
    if not records:
        return "acquisitions demo: no records to receive"
    year = date.today().year
    donation = services.create_receipt(session, "demo", received_on=date(year, 1, 15), source_type="donation",
                                       source_name="Благодійний фонд «Книги для ЛОУНБ»", document_type="акт приймання-передачі",
                                       document_number="1", document_date=date(year, 1, 15), commit=False)
    ubi = services.create_receipt(session, "demo", received_on=date(year, 3, 2), source_type="ukrainian_book_institute",
                                  source_name="Український інститут книги", document_type="накладна",
                                  document_number="УІК-118", document_date=date(year, 2, 27), commit=False)
    count = 0
    for i, record in enumerate(records):
        receipt = donation if i % 2 == 0 else ubi
        copies = services.receive_copies(session, "demo", receipt, record.id, 2 + i % 2, price=f"{150 + 25 * i}.00",
                                         location="abonement" if i % 2 else "reading-room",
                                         call_number=record.udc or "", commit=False)
        count += len(copies)
        for copy in copies[:1]:
            services._set_status(session, "demo", copy, "available", "technical processing done")
    session.commit()
    return f"acquisitions demo: receipts {donation.register_number} and {ubi.register_number}, {count} copies"
