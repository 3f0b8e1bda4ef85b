"""The SRU server blueprint (protocol logic lives in the top-level ``sru`` package)."""
