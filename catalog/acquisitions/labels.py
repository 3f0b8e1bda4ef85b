"""Technical processing: barcode labels and spine labels as PDF sheets for common label stock.

Barcodes are Code 128 (ISO/IEC 15417), computed by python-barcode and drawn as vector bars
with a quiet zone of ten modules on each side, so any library scanner reads them.
"""

from dataclasses import dataclass

from barcode import Code128

from catalog.acquisitions.models import Copy
from catalog.acquisitions.pdf import FONT, new_pdf


@dataclass(frozen=True)
class Layout:
    """A sheet of labels: page size, grid, label size and the sheet's margins (mm)."""

    name: str
    cols: int
    rows: int
    width: float
    height: float
    left: float
    top: float
    gap_x: float = 0.0
    gap_y: float = 0.0
    page_w: float = 210.0
    page_h: float = 297.0

    @property
    def per_page(self) -> int:
        return self.cols * self.rows

    def origin(self, position: int) -> tuple[float, float]:
        slot = position % self.per_page
        row, col = divmod(slot, self.cols)
        return self.left + col * (self.width + self.gap_x), self.top + row * (self.height + self.gap_y)


LAYOUTS = {
    "a4-3x8": Layout("A4, 3×8, 70×37 мм", 3, 8, 70.0, 37.0, 0.0, 0.5),
    "a4-3x7": Layout("A4, 3×7, 70×42,3 мм", 3, 7, 70.0, 42.3, 0.0, 0.45),
    "a4-4x10": Layout("A4, 4×10, 48,5×25,4 мм", 4, 10, 48.5, 25.4, 8.0, 21.5),
    "a4-5x13": Layout("A4, 5×13, 38×21,2 мм", 5, 13, 38.0, 21.2, 10.0, 10.7),
}
DEFAULT_LAYOUT = "a4-3x8"


def code128_modules(text: str) -> str:
    """The bar pattern of ``text`` in Code 128: '1' is a dark module, '0' a light one."""
    return Code128(text).build()[0]


def draw_code128(pdf, text: str, x: float, y: float, width: float, height: float) -> None:
    """Draw ``text`` as Code 128 bars filling ``width`` (quiet zones included) at (x, y)."""
    modules = code128_modules(text)
    quiet = 10
    module = width / (len(modules) + 2 * quiet)
    pdf.set_fill_color(0, 0, 0)
    start = None
    for i, bit in enumerate(modules + "0"):
        if bit == "1" and start is None:
            start = i
        elif bit == "0" and start is not None:
            pdf.rect(x + (quiet + start) * module, y, (i - start) * module, height, style="F")
            start = None


def _fit(pdf, text: str, width: float, size: float, style: str = "") -> None:
    """Shrink the font until ``text`` fits in ``width``."""
    while size > 5:
        pdf.set_font(FONT, style, size)
        if pdf.get_string_width(text) <= width:
            return
        size -= 0.5


def barcode_labels_pdf(copies: list[Copy], layout: str = DEFAULT_LAYOUT, *, library_name: str = "",
                       start_position: int = 0) -> bytes:
    """Barcode labels: library name, Code 128 bars, the number in digits, inventory and call number.

    ``start_position`` skips labels already used on a partly used first sheet.
    """
    spec = LAYOUTS[layout]
    pdf = new_pdf("P")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0)
    items = [c for c in copies if c.barcode]
    for n, copy in enumerate(items):
        position = start_position + n
        if n == 0 or position % spec.per_page == 0:
            pdf.add_page()
        x, y = spec.origin(position)
        pad = max(2.0, spec.width * 0.05)
        inner = spec.width - 2 * pad
        line = spec.height / 7
        if library_name:
            _fit(pdf, library_name, inner, 7)
            pdf.set_xy(x + pad, y + line * 0.4)
            pdf.cell(inner, line, library_name, align="C")
        bar_top = y + line * 1.4
        bar_height = line * 3
        draw_code128(pdf, copy.barcode, x + pad, bar_top, inner, bar_height)
        _fit(pdf, copy.barcode, inner, 8)
        pdf.set_xy(x + pad, bar_top + bar_height + 0.3)
        pdf.cell(inner, line * 0.9, copy.barcode, align="C")
        caption = f"Інв. № {copy.inventory_number}" + (f"   {copy.call_number}" if copy.call_number else "")
        _fit(pdf, caption, inner, 8, "B")
        pdf.set_xy(x + pad, bar_top + bar_height + line)
        pdf.cell(inner, line, caption, align="C")
    if not items:
        pdf.add_page()
    return bytes(pdf.output())


def spine_labels_pdf(copies: list[Copy], layout: str = DEFAULT_LAYOUT, *, start_position: int = 0) -> bytes:
    """Spine labels: the call number in large type (one part per line) and the inventory number."""
    spec = LAYOUTS[layout]
    pdf = new_pdf("P")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0)
    for n, copy in enumerate(copies):
        position = start_position + n
        if n == 0 or position % spec.per_page == 0:
            pdf.add_page()
        x, y = spec.origin(position)
        pad = 2.0
        inner = spec.width - 2 * pad
        parts = [p for p in (copy.call_number or "").replace("/", " / ").split() if p and p != "/"] or ["—"]
        parts = parts[:4]
        line = min(spec.height / (len(parts) + 2), 8.0)
        top = y + (spec.height - line * (len(parts) + 1)) / 2
        for i, part in enumerate(parts):
            _fit(pdf, part, inner, min(16, line * 2.4), "B")
            pdf.set_xy(x + pad, top + i * line)
            pdf.cell(inner, line, part, align="C")
        _fit(pdf, copy.inventory_number, inner, min(10, line * 1.6))
        pdf.set_xy(x + pad, top + len(parts) * line + 0.5)
        pdf.cell(inner, line, copy.inventory_number, align="C")
    if not copies:
        pdf.add_page()
    return bytes(pdf.output())
