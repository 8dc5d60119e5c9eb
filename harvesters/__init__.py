"""Harvesters: CKAN portals, DCAT feeds and HDR UK Gateway-style APIs, on one staged contract (contract.py)."""
