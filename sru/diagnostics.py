"""SRU diagnostics (``info:srw/diagnostic/1/N``, LoC SRU diagnostics list).

A request that cannot be answered raises ``SRUDiagnostic``; the view turns it into
an SRU response (HTTP 200) carrying the diagnostic, as clients expect.
"""

from __future__ import annotations

PREFIX = "info:srw/diagnostic/1/"

MESSAGES = {
    1: "General system error",
    2: "System temporarily unavailable",
    4: "Unsupported operation",
    5: "Unsupported version",
    6: "Unsupported parameter value",
    7: "Mandatory parameter not supplied",
    8: "Unsupported parameter",
    10: "Query syntax error",
    12: "Too many characters in query",
    13: "Invalid or unsupported use of parentheses",
    14: "Invalid or unsupported use of quotes",
    15: "Unsupported context set",
    16: "Unsupported index",
    19: "Unsupported relation",
    20: "Unsupported relation modifier",
    22: "Unsupported combination of relation and index",
    27: "Empty term unsupported",
    29: "Masked words too short",
    33: "Combination of proximity/adjacency and masking characters not supported",
    36: "Term in invalid format for index or relation",
    37: "Unsupported boolean operator",
    38: "Too many boolean operators in query",
    39: "Proximity not supported",
    46: "Unsupported boolean modifier",
    48: "Query feature unsupported",
    61: "First record position out of range",
    64: "Record temporarily unavailable",
    65: "Record does not exist",
    66: "Unknown schema for retrieval",
    67: "Record not available in this schema",
    71: "Unsupported record packing",
    80: "Sort not supported",
    84: "Too many sort keys",
    110: "Stylesheets not supported",
    120: "Response position out of range",
    121: "Too many terms requested",
}


class SRUDiagnostic(Exception):
    """A non-surrogate diagnostic: the request fails with ``code`` (and optional ``details``)."""

    def __init__(self, code: int, details: str | None = None, message: str | None = None):
        self.code = code
        self.details = None if details is None else str(details)
        self.message = message or MESSAGES.get(code, "Error")
        super().__init__(f"{self.uri}: {self.message}" + (f" ({self.details})" if self.details else ""))

    @property
    def uri(self) -> str:
        return f"{PREFIX}{self.code}"
MESSAGES.update({72: "XPath retrieval unsupported", 235: "Database does not exist"})
