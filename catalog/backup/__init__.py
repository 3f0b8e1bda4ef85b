"""Backups that restore: consistent snapshots, verification, restore, schedule, rotation,
off-site copies and encryption. See docs/backup.md.

The portable core of a backup is a logical dump of every table (JSON lines, types kept),
so a backup taken on SQLite restores into PostgreSQL and the other way round.
"""
