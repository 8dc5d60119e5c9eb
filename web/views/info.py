"""The footer pages: accessibility statement, privacy notice and cookies, each with a JSON twin."""
from __future__ import annotations

from flask import Blueprint

from catalogue.publishing.accounts import SESSION_LIFETIME, WINDOW

from web.common import respond

bp = Blueprint("info", __name__)
CONTACT = "catalogue-team@example.org"
UPDATED = "2026-11-29"
HOURS = int(SESSION_LIFETIME.total_seconds() // 3600)
MINUTES = int(WINDOW.total_seconds() // 60)

ACCESSIBILITY = {
    "title": "Accessibility statement",
    "updated": UPDATED,
    "sections": [
        {"heading": "Using this service",
         "paragraphs": [
             "This service is run by the catalogue team. We want as many people as possible to be able to use it. "
             "You should be able to change colours, contrast levels and fonts, zoom in up to 400% without the text "
             "spilling off the screen, move around the service using just a keyboard or speech recognition software, "
             "and listen to it using a screen reader.",
             "The pages are built with the GOV.UK Design System (GOV.UK Frontend 6.3.0)."]},
        {"heading": "Compliance status",
         "paragraphs": [
             "We aim to meet the Web Content Accessibility Guidelines (WCAG) version 2.2 at level AA. "
             "This service is partially compliant: it has not yet been audited by people using assistive "
             "technologies, and the known issues are listed below."]},
        {"heading": "How we tested this service",
         "paragraphs": [
             "Every page type is checked automatically on each change with axe-core (the WCAG 2.0, 2.1 and 2.2 "
             "A and AA rules and axe's best-practice rules) in Chromium, at 1280 and 390 pixels wide. The same tests "
             "check that no page scrolls sideways at 390 pixels and that the search box is usable at 320 pixels.",
             "Automated checks find only some problems. No manual audit has been carried out yet."]},
        {"heading": "Known issues",
         "items": [
             "Some wide tables (audit figures, harvest runs, variables) scroll sideways inside their own box on "
             "small screens rather than restacking. The box can be reached and scrolled with a keyboard.",
             "Charts on the audit dashboard are images with a text summary and a table of the same figures; "
             "the charts themselves are not interactive.",
             "Downloads in Turtle, JSON-LD, RDF/XML and CSV are data files, not accessible documents."]},
        {"heading": "Reporting problems and getting content in another format",
         "paragraphs": [
             f"If you find a problem not listed here, or need information in a different format, email {CONTACT}. "
             "We will reply within 5 working days.",
             "If you are not happy with how we respond, contact the Equality Advisory and Support Service (EASS)."]},
    ],
}

PRIVACY = {
    "title": "Privacy notice",
    "updated": UPDATED,
    "sections": [
        {"heading": "What we store",
         "paragraphs": ["You do not need an account to search or read the catalogue. We store:"],
         "items": [
             "for people who publish or steward metadata: an email address, a role, the publisher they work for, "
             "a hashed password and hashed API tokens;",
             f"each sign-in attempt: the email address tried, the network (IP) address it came from and the time, "
             f"so that password guessing can be stopped; failures count for {MINUTES} minutes;",
             f"for each signed-in browser, a fingerprint (hash) of its session id, kept for up to {HOURS} hours or "
             "until you sign out;",
             "who made each change to a dataset's metadata (their email address) and when, in the dataset's "
             "public revision history;",
             "uploaded files waiting to be published, for up to a day."]},
        {"heading": "What we do not collect",
         "paragraphs": ["There are no analytics, tracking or advertising cookies, and no third-party scripts. "
                        "The web server may log each request (address, time and page) to keep the service running."]},
        {"heading": "Contact",
         "paragraphs": [f"To ask about your data, or to have your account removed, email {CONTACT}."]},
    ],
}

COOKIES = {
    "title": "Cookies",
    "updated": UPDATED,
    "sections": [
        {"heading": "Essential cookies",
         "paragraphs": ["This service sets one cookie. It is needed for signing in, for keeping forms safe and "
                        "for keeping your linkage plan, so you cannot turn it off. We do not use analytics or any "
                        "other cookies."]},
    ],
    "cookies": [
        {"name": "session",
         "purpose": "Holds a token that protects forms against cross-site request forgery and, once you sign "
                    "in, a random session id; and the identifiers of the datasets you add to your linkage plan "
                    "(at most 25). Set when you open a page with a form, such as sign in or search results.",
         "expires": f"When you close your browser, or {HOURS} hours after you sign in"},
    ],
}


def _page(data: dict):
    return respond("layout/info.html", data)


@bp.route("/accessibility")
@bp.route("/accessibility.json", endpoint="accessibility_json")
def accessibility():
    return _page(ACCESSIBILITY)


@bp.route("/privacy")
@bp.route("/privacy.json", endpoint="privacy_json")
def privacy():
    return _page(PRIVACY)


@bp.route("/cookies")
@bp.route("/cookies.json", endpoint="cookies_json")
def cookies():
    return _page(COOKIES)
