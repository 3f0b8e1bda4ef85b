"""PDF registers, the withdrawal act and labels: text checked with pypdf, pages rendered with pdftoppm,
barcodes read back from the rendered label sheet."""

import io
import os
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from catalog.acquisitions import labels, pdf, services
from tests.conftest import ROOT
from tests.test_acquisitions_services import CORNELL, PNG, UKRAINIAN, store

OUTPUT = ROOT / "tests" / "output" / "acquisitions"


def text_of(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return "\n".join(" ".join(line.split()) for line in text.splitlines())


def render_first_page(data: bytes, name: str, dpi: int = 80):
    """Render page 1 to tests/output/acquisitions/<name>.png for a look; skip where pdftoppm is absent (not in CI)."""
    if not shutil.which("pdftoppm"):
        if os.environ.get("CI"):
            pytest.fail("pdftoppm is missing: scripts/test.sh must install poppler-utils")
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / f"{name}.pdf").write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(OUTPUT / f"{name}.pdf"),
                    str(OUTPUT / name)], check=True, timeout=60)
    png = OUTPUT / f"{name}.png"
    assert png.stat().st_size > 2000
    return png


@pytest.fixture
def accounting(db, tmp_path):
    """Copies received in 2022, a confirmed war-loss act with evidence, and one more receipt in 2023."""
    ukr, eng = store(db, UKRAINIAN, "unimarc"), store(db, CORNELL, "marc21", 5)
    receipt = services.create_receipt(db, "olena", received_on="2022-03-01", source_type="donation",
                                      source_name="Фонд «Українська книга»", document_type="акт", document_number="3")
    copies = services.receive_copies(db, "olena", receipt, ukr.id, 4, price="150.25", call_number="51 С24", location="abon")
    copies += services.receive_copies(db, "olena", receipt, eng.id, 2, price="310", call_number="959.6 M67")
    act = services.create_act(db, "olena", act_date="2022-10-20", reason="destroyed_hostilities",
                              commission_ref="наказ № 41 від 14.10.2022", commission_members="Коваль О. М., Бондар І. П.")
    services.add_to_act(db, "olena", act, [copies[0], copies[1], copies[4]])
    services.attach_evidence(db, "olena", act, "фото-1.png", PNG, upload_root=tmp_path)
    services.confirm_act(db, "olena", act)
    later = services.create_receipt(db, "olena", received_on="2023-02-01", source_type="purchase")
    services.receive_copies(db, "olena", later, ukr.id, 1, price="200")
    return {"copies": copies, "act": act, "receipt": receipt}


def test_withdrawal_act_pdf_has_inventory_numbers_and_totals(db, accounting):
    act = accounting["act"]
    data = pdf.act_pdf(db, act, "Луганська обласна універсальна наукова бібліотека", "02225731")
    text = text_of(data)
    assert "АКТ № 1/2022" in text and "списання вилучених документів з бібліотечного фонду" in text
    assert "наказ № 41 від 14.10.2022" in text and "Коваль О. М." in text
    for copy in (accounting["copies"][0], accounting["copies"][1], accounting["copies"][4]):
        assert copy.inventory_number in text.split()
    assert "Усього за цим актом списується 3 примірників на суму 610,50 грн." in text
    assert "Свердан" in text and "фото-1.png" in text and "02225731" in text
    render_first_page(data, "act")


def test_summary_register_pdfs(db, accounting):
    part1 = text_of(pdf.part1_pdf(db, 2022, "ЛОУНБ"))
    assert "Частина I. Надходження до фонду, 2022 рік" in part1
    assert "1/2022" in part1 and "Фонд «Українська книга»" in part1 and "1 221,00" in part1
    part2 = text_of(pdf.part2_pdf(db, 2022, "ЛОУНБ"))
    assert "Частина II" in part2 and "Знищено внаслідок бойових дій" in part2 and "610,50" in part2
    data3 = pdf.part3_pdf(db, 2023, "ЛОУНБ")
    part3 = text_of(data3)
    # 2023: 3 copies in stock at the start (610,50), 1 received (200,00), 4 at the end (810,50).
    assert "Частина III. Підсумки руху фонду, 2023 рік" in part3
    assert "Усього 3 610,50 1 200,00 0 0,00 4 810,50" in part3
    for name, data in (("ksu-1", pdf.part1_pdf(db, 2022, "ЛОУНБ")), ("ksu-2", pdf.part2_pdf(db, 2022, "ЛОУНБ")),
                       ("ksu-3", data3)):
        render_first_page(data, name)


def test_inventory_register_pdf_range(db, accounting):
    data = pdf.inventory_pdf(db, 2, 5, "", "ЛОУНБ")
    text = text_of(data)
    assert "Інвентарні номери 2 – 5" in text
    assert "Знищений" in text and "1/2022 від 20.10.2022" in text
    assert "4 прим." in text
    render_first_page(data, "inventory")


def test_labels_have_scannable_barcodes(db, accounting):
    copies = accounting["copies"]
    data = labels.barcode_labels_pdf(copies, "a4-3x8", library_name="ЛОУНБ")
    text = text_of(data)
    for copy in copies:
        assert copy.barcode in text and f"Інв. № {copy.inventory_number}" in text
    spine = labels.spine_labels_pdf(copies, "a4-3x8", start_position=2)
    spine_text = text_of(spine)
    assert "С24" in spine_text and "M67" in spine_text
    render_first_page(spine, "spine-labels")
    png = render_first_page(data, "barcode-labels", dpi=300)
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    found = {r.text for r in zxingcpp.read_barcodes(Image.open(png))}
    assert found == {c.barcode for c in copies}


def test_label_layouts_fit_the_page():
    for key, layout in labels.LAYOUTS.items():
        right = layout.left + layout.cols * layout.width + (layout.cols - 1) * layout.gap_x
        bottom = layout.top + layout.rows * layout.height + (layout.rows - 1) * layout.gap_y
        assert right <= layout.page_w + 0.01 and bottom <= layout.page_h + 0.01, key
    assert labels.LAYOUTS["a4-3x8"].origin(25) == (70.0, 0.5)  # second sheet, second label
