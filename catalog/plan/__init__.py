"""Plan indicators: yearly targets set by the administrator and actual values counted from
the catalogue, the accounting tables and the audit log (see docs/plan.md)."""
