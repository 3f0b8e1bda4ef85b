"""UI choices and small parsers for the acquisitions forms (hand-written HTML with a CSRF token)."""

from flask_babel import lazy_gettext as _l

from catalog.errors import ValidationFailed

SOURCE_CHOICES = [
    ("donation", _l("Donation")),
    ("purchase", _l("Purchase")),
    ("ukrainian_book_institute", _l("Ukrainian Book Institute programme")),
    ("exchange", _l("Exchange")),
    ("replacement", _l("Replacement of lost copies")),
    ("other", _l("Other")),
]
REASON_CHOICES = [
    ("worn", _l("Worn out")),
    ("obsolete", _l("Obsolete content")),
    ("non_core", _l("Outside the collection profile")),
    ("duplicate", _l("Duplicate")),
    ("lost_by_readers", _l("Lost by readers")),
    ("missing_after_check", _l("Missing after stock check")),
    ("destroyed_hostilities", _l("Destroyed by hostilities")),
    ("occupied_territory", _l("Left in occupied territory (not written off)")),
]
STATUS_CHOICES = [
    ("in_processing", _l("In processing")),
    ("available", _l("Available")),
    ("on_loan", _l("On loan")),
    ("missing", _l("Missing")),
    ("occupied_territory", _l("In occupied territory / no access")),
    ("withdrawn", _l("Withdrawn")),
    ("destroyed", _l("Destroyed")),
]
# Statuses a clerk may set by hand; write-off happens only through a confirmed act.
MANUAL_STATUSES = ("in_processing", "available", "on_loan", "missing", "occupied_territory")
LAYOUT_CHOICES = [("a4-3x8", "A4 3×8, 70×37 мм"), ("a4-3x7", "A4 3×7, 70×42,3 мм"),
                  ("a4-4x10", "A4 4×10, 48,5×25,4 мм"), ("a4-5x13", "A4 5×13, 38×21,2 мм")]


def label_of(choices, value) -> str:
    return str(dict(choices).get(value, value))


def whole_number(value, what: str, default: int | None = None, minimum: int = 0) -> int:
    if value in (None, ""):
        if default is None:
            raise ValidationFailed(f"{what}: a whole number is needed")
        return default
    try:
        number = int(str(value).strip())
    except ValueError as exc:
        raise ValidationFailed(f"{what}: '{value}' is not a whole number") from exc
    if number < minimum:
        raise ValidationFailed(f"{what}: must be at least {minimum}")
    return number


def lines_of(text: str) -> list[str]:
    """Scanned or typed codes, one per line (commas and spaces also separate)."""
    return [part for part in (text or "").replace(",", "\n").replace(";", "\n").split() if part]
