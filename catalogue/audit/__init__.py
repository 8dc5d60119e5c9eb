"""Completeness audits: per record, summaries, tables, snapshots and the link check."""
