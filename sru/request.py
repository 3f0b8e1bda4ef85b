"""SRU requests: parameters from GET/POST forms or an SRW SOAP body, version negotiation.

Version rule (as YAZ does it): no version -> 2.0; ``1.1`` -> 1.1; other ``1.x`` -> 1.2;
``2.x`` -> 2.0; anything else -> diagnostic 5 (details: highest supported version).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from sru.diagnostics import SRUDiagnostic

SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"
HIGHEST = "2.0"

COMMON = {"version", "operation", "stylesheet", "extraRequestData", "httpAccept", "recordPacking",
          "recordXMLEscaping"}
PARAMETERS = {
    "searchRetrieve": COMMON | {
        "query", "queryType", "startRecord", "maximumRecords", "recordSchema", "recordXPath", "resultSetTTL",
        "sortKeys", "renderedBy", "responseType", "facetLimit", "facetStart", "facetSort", "facetCount",
    },
    "scan": COMMON | {"scanClause", "responsePosition", "maximumTerms"},
    "explain": COMMON,
}
SOAP_OPERATIONS = {"searchRetrieveRequest": "searchRetrieve", "scanRequest": "scan", "explainRequest": "explain"}


@dataclass
class SRURequest:
    """One parsed SRU request (``params`` are the raw first values of each parameter)."""

    operation: str
    version: str
    params: dict = field(default_factory=dict)
    soap: str | None = None  # the SOAP envelope namespace when the request came as SOAP
    diagnostic: SRUDiagnostic | None = None  # a request-level problem found while parsing

    def get(self, name: str, default=None):
        value = self.params.get(name)
        return default if value is None else value

    @property
    def v2(self) -> bool:
        return self.version == "2.0"


def negotiate(value: str | None) -> tuple[str, SRUDiagnostic | None]:
    """The version to answer in, and a diagnostic 5 when the requested one is not supported."""
    if value is None or value == "":
        return "2.0", None
    value = value.strip()
    if value == "1.1":
        return "1.1", None
    if re.fullmatch(r"1\.\d+", value):
        return "1.2", None
    if re.fullmatch(r"2(\.\d+)?", value):
        return "2.0", None
    try:
        answer = "2.0" if float(value) > 2 else "1.1"
    except ValueError:
        answer = "1.2"
    return answer, SRUDiagnostic(5, HIGHEST)


def from_params(params: dict) -> SRURequest:
    """Build a request from GET/POST parameters (first value of each)."""
    version, diag = negotiate(params.get("version"))
    operation = params.get("operation")
    if not operation:
        operation = "searchRetrieve" if "query" in params else "scan" if "scanClause" in params else "explain"
    request = SRURequest(operation, version, params)
    if diag is None and operation not in PARAMETERS:
        request.operation = "explain"
        diag = SRUDiagnostic(4, operation[:100])
    if diag is None:
        diag = _check_parameters(request.operation, params)
    request.diagnostic = diag
    return request


def _check_parameters(operation: str, params: dict) -> SRUDiagnostic | None:
    allowed = PARAMETERS[operation]
    for name in params:
        if name not in allowed and not name.startswith("x-"):
            return SRUDiagnostic(8, name[:100])
    return None


_SOAP_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


class SOAPError(ValueError):
    """The body is not an SRW SOAP request (answered with a SOAP fault)."""


def from_soap(body: bytes) -> SRURequest:
    """Build a request from an SRW SOAP 1.1 (or 1.2) envelope."""
    try:
        root = etree.fromstring(body, _SOAP_PARSER)
    except etree.XMLSyntaxError as exc:
        raise SOAPError(f"malformed XML: {exc}") from None
    envelope_ns = etree.QName(root).namespace
    if etree.QName(root).localname != "Envelope" or envelope_ns not in (SOAP11_NS, SOAP12_NS):
        raise SOAPError("not a SOAP envelope")
    body_el = root.find(f"{{{envelope_ns}}}Body")
    children = [c for c in body_el if isinstance(c.tag, str)] if body_el is not None else []
    if not children:
        raise SOAPError("empty SOAP body")
    op_el = children[0]
    local = etree.QName(op_el).localname
    params = {}
    for child in op_el:
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child).localname
        if name in ("xQuery", "xSortKeys", "extraRequestData", "xScanClause"):
            continue
        if name not in params:
            params[name] = (child.text or "").strip() if name != "query" and name != "scanClause" else (child.text or "")
    operation = SOAP_OPERATIONS.get(local)
    if operation is None:
        request = from_params({k: v for k, v in params.items() if k == "version"})
        request.operation = "explain"
        request.diagnostic = request.diagnostic or SRUDiagnostic(4, local[:100])
    else:
        params["operation"] = operation
        request = from_params(params)
    request.soap = envelope_ns
    return request
