"""Summary tables for the dashboard (see services.py)."""
