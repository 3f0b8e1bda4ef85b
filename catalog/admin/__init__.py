"""The administration area: backup status and staff users."""
