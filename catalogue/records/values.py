"""What counts as a value in a record: used alike by validation, scoring, the audit and the mappings."""
from __future__ import annotations


def filled(value) -> bool:
    """Is the field filled? None, "", [] and {} are not; anything else (0 and False too) is."""
    return value not in (None, "", [], {})
