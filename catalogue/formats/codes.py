"""Code lists every format shares: update frequencies and access rights, with the Dublin Core and EU IRIs for them.

A base module (rdflib only), so normalise.py and the DCAT profile both use it without importing each other.
"""
from __future__ import annotations

from rdflib import Namespace

FREQ = Namespace("http://purl.org/cld/freq/")
ACCESS_RIGHT = Namespace("http://publications.europa.eu/resource/authority/access-right/")
EU_FREQ = Namespace("http://publications.europa.eu/resource/authority/frequency/")

# CDDO access rights -> EU access-right codes (one to one).
ACCESS_RIGHTS = {"OPEN": "PUBLIC", "INTERNAL": "NON_PUBLIC", "COMMERCIAL": "RESTRICTED"}
# EU frequency codes -> our freq: names.
EU_FREQ_CODES = {"TRIENNIAL": "triennial", "BIENNIAL": "biennial", "ANNUAL": "annual", "ANNUAL_2": "semiannual",
                 "ANNUAL_3": "threeTimesAYear", "QUARTERLY": "quarterly", "BIMONTHLY": "bimonthly",
                 "MONTHLY": "monthly", "MONTHLY_2": "semimonthly", "BIWEEKLY": "biweekly",
                 "MONTHLY_3": "threeTimesAMonth", "WEEKLY": "weekly", "WEEKLY_2": "semiweekly",
                 "WEEKLY_3": "threeTimesAWeek", "DAILY": "daily", "CONT": "continuous", "UPDATE_CONT": "continuous",
                 "IRREG": "irregular", "NEVER": "never"}
