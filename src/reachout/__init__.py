"""Reachout: the ledger of every recruiting touchpoint, and the outreach statistics built on it."""

__version__ = "0.1.0"
