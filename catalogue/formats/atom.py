"""Atom 1.0 feeds (RFC 4287) of dataset revisions: new, updated and withdrawn datasets. Pure functions.

The XML is built with ElementTree, never by joining strings, and every piece of text first loses the characters
XML 1.0 cannot carry (control characters, lone surrogates, U+FFFE/U+FFFF), so any stored record gives a valid feed."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone

ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml"

# what happened, as the title prefix and category label
ACTION_LABELS = {"created": "New", "updated": "Updated", "withdrawn": "Withdrawn"}

_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value) -> str:
    """value as text XML 1.0 can hold: anything not a string is '', forbidden characters are removed."""
    return _NOT_XML.sub("", value) if isinstance(value, str) else ""


def rfc3339(moment: datetime) -> str:
    """An aware or naive (read as UTC) datetime as RFC 3339 in UTC, to the second: 2026-01-31T09:00:00Z."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class FeedEntry:
    id: str  # a stable URI: the dataset URI and the revision number
    title: str
    updated: datetime
    link: str  # absolute URL of the dataset page
    author: str  # the publishing organisation, never a person
    summary: str
    action: str  # created, updated, withdrawn


def revision_entry(rev, dataset_uri: str, page_url: str, organisation_names: dict[str, str]) -> FeedEntry:
    """One stored revision as a feed entry: the organisation as author (staff emails are never shown), the dataset
    title prefixed with what happened, and its summary, or for a withdrawal the reason given."""
    record = rev.record if isinstance(rev.record, dict) else {}
    publisher = xml_text(record.get("publisher"))
    title = xml_text(record.get("title")) or rev.dataset_id
    label = ACTION_LABELS.get(rev.action, rev.action.capitalize())
    summary = rev.note if rev.action == "withdrawn" else record.get("summary")
    return FeedEntry(id=f"{dataset_uri}#revision-{rev.number}", title=f"{label}: {title}", updated=rev.created_at,
                     link=page_url, author=organisation_names.get(publisher, publisher), summary=xml_text(summary),
                     action=rev.action)


def atom_feed(*, feed_id: str, title: str, self_link: str, alternate_link: str, entries: list[FeedEntry],
              updated: datetime) -> bytes:
    """The feed document as UTF-8 XML. `updated` is used when there are no entries (else the newest entry's)."""
    feed = ET.Element("feed", xmlns=ATOM)  # plain names in the default namespace
    _text(feed, "id", feed_id)
    _text(feed, "title", title)
    _text(feed, "updated", rfc3339(max((e.updated for e in entries), default=updated)))
    _link(feed, self_link, "self", MEDIA_TYPE)
    _link(feed, alternate_link, "alternate", "text/html")
    for e in entries:
        entry = ET.SubElement(feed, "entry")
        _text(entry, "id", e.id)
        _text(entry, "title", e.title)
        _text(entry, "updated", rfc3339(e.updated))
        _link(entry, e.link, "alternate", "text/html")
        author = ET.SubElement(entry, "author")
        _text(author, "name", e.author or "Unknown publisher")  # atom:author needs a name
        if xml_text(e.summary):
            _text(entry, "summary", e.summary)
        label = ACTION_LABELS.get(e.action, xml_text(e.action))
        ET.SubElement(entry, "category", term=xml_text(e.action), label=label)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _text(parent: ET.Element, tag: str, value: str) -> ET.Element:
    el = ET.SubElement(parent, tag)
    el.text = xml_text(value)
    return el


def _link(parent: ET.Element, href: str, rel: str, media_type: str) -> None:
    ET.SubElement(parent, "link", rel=rel, type=media_type, href=xml_text(href))
