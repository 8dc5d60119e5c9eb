"""Harvesters: CKAN portals, DCAT feeds and HDR UK Gateway-style APIs, on one staged contract (contract.py).

registry.py lists them by source type; runner.py runs one harvest through Catalogue.save_many; store.py keeps their own
bookkeeping (payloads, duplicate links, run locks) and writes the harvest log the core reads (catalogue.provenance).
The mappings themselves live in catalogue/formats/.
"""
