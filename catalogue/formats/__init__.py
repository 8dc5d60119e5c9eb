"""Formats: our record to and from DCAT, HDR UK and CKAN, with the normalising helpers written once."""
