"""The cataloguing workbench: guided forms, the MARC editor, history, authorities, analytics,
copy cataloguing, duplicates and batch edit. Every record write goes through
``catalog.records.services.save_record``."""
