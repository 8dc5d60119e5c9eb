"""The Atom builder: a valid feed for any text a record may hold, parsed back by feedparser."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import feedparser
import pytest

from catalogue.formats.atom import FeedEntry, atom_feed, revision_entry, rfc3339, xml_text
from catalogue.records.store import Revision

T0 = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone.utc)
HOSTILE = [
    ("<script>alert('x')</script> & co", "<script>alert('x')</script> & co"),
    ("]]> <![CDATA[ x ]]>", "]]> <![CDATA[ x ]]>"),
    ('"quotes" \'apostrophes\' &amp; &lt;', '"quotes" \'apostrophes\' &amp; &lt;'),
    ("bell\x07 vt\x0b ff\x0c esc\x1b del ok\x7f", "bell vt ff esc del ok\x7f"),
    ("nul\x00 and noncharacters \ufffe\uffff", "nul and noncharacters "),
    ("lone \ud800 surrogate \udfff", "lone  surrogate "),
    ("emoji 🦀 Welsh ŵŷ Arabic ١٢٣ RTL \u202e", "emoji 🦀 Welsh ŵŷ Arabic ١٢٣ RTL \u202e"),
]


def entry(title="Pupils", summary="Every pupil", action="created", when=T0, n=1) -> FeedEntry:
    return FeedEntry(id=f"http://example.org/datasets/pupils#revision-{n}", title=title, updated=when,
                     link="http://example.org/datasets/pupils?a=1&b=2", author="Department for Education",
                     summary=summary, action=action)


def build(entries, updated=T0) -> bytes:
    return atom_feed(feed_id="http://example.org/feeds/datasets.atom", title="Changes & <more>",
                     self_link="http://example.org/feeds/datasets.atom", alternate_link="http://example.org/search",
                     entries=entries, updated=updated)


def test_feed_shape_parses_cleanly():
    body = build([entry(n=2, action="updated", title="Updated: Pupils", when=T0 + timedelta(hours=1)),
                  entry(title="New: Pupils")])
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    feed = parsed.feed
    assert feed.id == "http://example.org/feeds/datasets.atom" and feed.title == "Changes & <more>"
    assert feed.updated == "2026-03-01T10:30:15Z"  # the newest entry's time
    assert {(l.rel, l.href) for l in feed.links} == {("self", "http://example.org/feeds/datasets.atom"),
                                                     ("alternate", "http://example.org/search")}
    first = parsed.entries[0]
    assert first.id.endswith("#revision-2") and first.title == "Updated: Pupils"
    assert first.link == "http://example.org/datasets/pupils?a=1&b=2"
    assert first.author == "Department for Education"
    assert [t.term for t in first.tags] == ["updated"] and first.tags[0].label == "Updated"
    assert first.summary == "Every pupil"
    assert first.updated == "2026-03-01T10:30:15Z"


def test_empty_feed_is_valid_and_uses_the_given_time():
    parsed = feedparser.parse(build([]))
    assert parsed.bozo == 0 and parsed.entries == []
    assert parsed.feed.updated == "2026-03-01T09:30:15Z"


@pytest.mark.parametrize("text, expected", HOSTILE)
def test_hostile_text_is_escaped_or_removed(text, expected):
    body = build([entry(title=text, summary=text)])
    ET.fromstring(body)  # well-formed XML 1.0
    assert b"<script>" not in body
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    # feedparser strips surrounding whitespace; what is left is the text less what XML 1.0 forbids
    assert parsed.entries[0].title == expected.strip()
    assert parsed.entries[0].summary == expected.strip()


def test_xml_text_keeps_what_xml_allows():
    assert xml_text("a\tb\nc\rd") == "a\tb\nc\rd"
    assert xml_text(None) == "" and xml_text(["list"]) == "" and xml_text(3) == ""
    assert xml_text("\U0010ffff\ue000") == "\U0010ffff\ue000"


def test_rfc3339_is_utc_to_the_second():
    assert rfc3339(T0) == "2026-03-01T09:30:15Z"
    assert rfc3339(datetime(2026, 3, 1, 10, 0, tzinfo=timezone(timedelta(hours=1)))) == "2026-03-01T09:00:00Z"
    assert rfc3339(datetime(2026, 3, 1, 9, 0)) == "2026-03-01T09:00:00Z"  # naive: read as UTC, as SQLite returns


def rev(action, record, note="", number=1) -> Revision:
    return Revision(seq=number, dataset_id="pupils", number=number, action=action, author="jo.bloggs@example.org",
                    route="api", note=note, created_at=T0, record=record)


def test_revision_entry_names_the_organisation_not_the_person():
    record = {"identifier": "pupils", "title": "Pupils", "summary": "Every pupil", "publisher": "dfe"}
    e = revision_entry(rev("created", record), "http://x/datasets/pupils", "http://x/datasets/pupils", {"dfe": "DfE"})
    assert (e.title, e.author, e.summary, e.action) == ("New: Pupils", "DfE", "Every pupil", "created")
    assert e.id == "http://x/datasets/pupils#revision-1"
    assert "jo.bloggs" not in repr(e)


def test_withdrawal_summary_is_the_reason_and_odd_records_still_make_entries():
    w = revision_entry(rev("withdrawn", {"title": "Pupils", "summary": "x", "publisher": "dfe"}, note="Superseded", number=3),
                       "u", "u", {})
    assert (w.title, w.summary, w.author) == ("Withdrawn: Pupils", "Superseded", "dfe")
    odd = revision_entry(rev("updated", {"title": ["not text"], "summary": 5, "publisher": None}), "u", "u", {})
    assert (odd.title, odd.summary, odd.author) == ("Updated: pupils", "", "")
    assert feedparser.parse(build([odd])).bozo == 0  # an author with no name still gets one
