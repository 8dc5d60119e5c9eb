"""Template filters and globals."""
from __future__ import annotations

from datetime import date

from flask import Blueprint
from markupsafe import Markup, escape

from catalogue.records.schema import dataset_schema

from web.record_view import http_url

FREQUENCY = {k: k.removeprefix("freq:") for k in dataset_schema()["properties"]["updateFrequency"]["enum"]}
LINKAGE_LABELS = {
    "nhs-number": "NHS number", "chi-number": "CHI number", "hcn": "Health and Care Number",
    "national-insurance-number": "National Insurance number", "pupil-matching-reference": "Pupil Matching Reference",
    "unique-pupil-number": "Unique Pupil Number", "unique-learner-number": "Unique Learner Number", "uprn": "UPRN",
    "postcode": "Postcode", "date-of-birth": "Date of birth", "name": "Name", "sex": "Sex", "address": "Address",
    "pnc-id": "PNC ID", "company-number": "Company number", "tre-linkage-key": "TRE linkage key",
    "area-code": "Area code (LSOA, data zone)", "organisation-code": "Organisation or site code",
    "other-identifier": "Other identifier",
}
BAND_COLOURS = {"ready": "green", "partial": "blue", "limited": "yellow", "not-ready": "red"}


def nice_date(value: str) -> str:
    try:
        return date.fromisoformat(value).strftime("%-d %B %Y")
    except (TypeError, ValueError):
        return value or ""


def frequency(value: str) -> str:
    import re

    word = FREQUENCY.get(value, value or "")
    return re.sub(r"(?<!^)([A-Z])", r" \1", word).lower()


def mailto(email: str) -> Markup:
    if not isinstance(email, str) or not email:
        return Markup("")
    return Markup('<a class="govuk-link" href="mailto:{0}">{0}</a>').format(escape(email))


bp = Blueprint("filters", __name__)
for _name, _filter in dict(nice_date=nice_date, frequency=frequency, mailto=mailto, http_url=http_url,
                           linkage_label=lambda v: LINKAGE_LABELS.get(v, v)).items():
    bp.add_app_template_filter(_filter, _name)
for _name, _value in dict(BAND_COLOURS=BAND_COLOURS, LINKAGE_LABELS=LINKAGE_LABELS,
                          serviceName="UK Data Linkage Catalogue").items():
    bp.add_app_template_global(_value, _name)
