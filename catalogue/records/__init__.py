"""The record: schema, validation, scoring, history, the store and the one write path."""
