"""ISBN and ISSN: normalisation, check digits, ISBN-10 <-> ISBN-13.

ISBN check digits follow ISO 2108 (ISBN-10: weights 10..1, mod 11, ``X`` = 10;
ISBN-13: weights 1,3,1,3..., mod 10). ISSN follows ISO 3297 (weights 8..2,
mod 11, ``X`` = 10). Catalogue data often carries qualifiers after the number
("978-966-... (помилк.)", "5-7443-0043-0 : 10 грн"), so ``normalize_*`` pick
the number out of such text.
"""

from __future__ import annotations

import re

# A run of digits with hyphens/spaces, optionally ending in X: the first
# ISBN-like token in a subfield value.
_ISBN_TOKEN = re.compile(r"(?<![0-9])(?:97[89][\s\-]?)?(?:[0-9][\s\-]?){9}[0-9Xx]")
_ISSN_TOKEN = re.compile(r"(?<![0-9])([0-9]{4})[\s\-]?([0-9]{3}[0-9Xx])(?![0-9])")


def _digits(text: str) -> str:
    """Keep digits and X (upper-cased), drop everything else."""
    return "".join(ch for ch in text.upper() if ch.isdigit() or ch == "X")


def isbn10_check_digit(first9: str) -> str:
    """Return the ISBN-10 check character for nine digits."""
    total = sum((10 - i) * int(d) for i, d in enumerate(first9))
    check = (11 - total % 11) % 11
    return "X" if check == 10 else str(check)


def isbn13_check_digit(first12: str) -> str:
    """Return the ISBN-13 (EAN-13) check digit for twelve digits."""
    total = sum((3 if i % 2 else 1) * int(d) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def issn_check_digit(first7: str) -> str:
    """Return the ISSN check character for seven digits."""
    total = sum((8 - i) * int(d) for i, d in enumerate(first7))
    check = (11 - total % 11) % 11
    return "X" if check == 10 else str(check)


def normalize_isbn(text: str) -> str | None:
    """Return the bare ISBN (10 or 13 characters, no hyphens) found in text, or None."""
    if not text:
        return None
    match = _ISBN_TOKEN.search(text)
    if not match:
        return None
    bare = _digits(match.group(0))
    # The pattern only matches 10 or 13 characters (X only last).
    return bare if len(bare) in (10, 13) else None


def is_valid_isbn(text: str) -> bool:
    """True when text holds an ISBN-10 or ISBN-13 with a correct check digit."""
    bare = normalize_isbn(text)
    if bare is None:
        return False
    if "X" in bare[:-1]:
        return False
    if len(bare) == 10:
        return isbn10_check_digit(bare[:9]) == bare[9]
    return bare[:3] in ("978", "979") and isbn13_check_digit(bare[:12]) == bare[12]


def isbn10_to_13(text: str) -> str | None:
    """Convert an ISBN-10 to ISBN-13 (prefix 978, new check digit); None if not an ISBN-10."""
    bare = normalize_isbn(text)
    if bare is None or len(bare) != 10:
        return None
    core = "978" + bare[:9]
    return core + isbn13_check_digit(core)


def isbn13_to_10(text: str) -> str | None:
    """Convert a 978- ISBN-13 to ISBN-10; None for 979- (no ISBN-10 exists) or non-ISBN-13."""
    bare = normalize_isbn(text)
    if bare is None or len(bare) != 13 or not bare.startswith("978"):
        return None
    core = bare[3:12]
    return core + isbn10_check_digit(core)


def to_isbn13(text: str) -> str | None:
    """Return the ISBN-13 form of any valid ISBN (used to compare and deduplicate)."""
    if not is_valid_isbn(text):
        return None
    bare = normalize_isbn(text)
    return bare if len(bare) == 13 else isbn10_to_13(bare)


def normalize_issn(text: str) -> str | None:
    """Return the ISSN found in text as NNNN-NNNC, or None."""
    if not text:
        return None
    match = _ISSN_TOKEN.search(text)
    if not match:
        return None
    return f"{match.group(1)}-{match.group(2).upper()}"


def is_valid_issn(text: str) -> bool:
    """True when text holds an ISSN with a correct check character."""
    issn = normalize_issn(text)
    if issn is None:
        return False
    bare = issn.replace("-", "")
    return issn_check_digit(bare[:7]) == bare[7]
