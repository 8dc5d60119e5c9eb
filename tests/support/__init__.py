"""Helpers shared by the tests: the test app and settings, fake servers, fixed records and paths."""
