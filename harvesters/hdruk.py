"""HDR UK Gateway-style federation harvester: a list endpoint of {persistentId, version, ...}, an item URL template.

Options: item_url (a template with {id}; default <url>/{id}), auth_header (for auth "apikey"; default x-api-key).
A dataset is fetched again only when its version or modified date changed (or with --full). The mapping is the core's
(catalogue.formats.hdruk, shared with uploads), without upload defaults: gaps are stored and flagged by validation.
"""
from __future__ import annotations

from typing import Iterator
from urllib.parse import quote, urljoin

from catalogue.formats.hdruk import TRANSFORM_VERSION, from_payload
from catalogue.formats.result import Mapped
from catalogue.provenance import Source

from harvesters.contract import HarvestError, Listing, RecordError, RemoteItem, auth_headers
from harvesters.http import HarvestHTTPError, HarvestSession, parse_json


class HdrukHarvester:
    transform_version = TRANSFORM_VERSION

    def __init__(self, source: Source, session: HarvestSession, secret: str | None):
        self.source, self.session = source, session
        self.item_url = str(source.options.get("item_url") or source.url.rstrip("/") + "/{id}")
        if "{id}" not in self.item_url:
            raise HarvestError(f"{source.name}: the item URL template must contain {{id}}")
        session.trust(self.item_url.replace("{id}", "x"))  # configured by the operator, like the source URL
        self.headers = {"Accept": "application/json", **auth_headers(source, session, secret)}
        self._listing = Listing()

    def gather(self, since: str | None) -> Iterator[list[RemoteItem]]:
        url, pages, ids, visited = self.source.url, 0, set(), {self.source.url}
        while url:
            pages += 1
            if pages > 10_000:
                raise HarvestError(f"{self.source.name}: more than 10,000 list pages; stopping")
            try:
                doc = parse_json(self.session.get(url, headers=self.headers), url)
            except HarvestHTTPError as exc:
                raise HarvestError(f"{self.source.name}: {exc}") from None
            if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
                raise HarvestError(f"{self.source.name}: {url} did not return {{\"items\": [...]}}")
            batch = []
            for entry in doc["items"]:
                pid = entry.get("persistentId") if isinstance(entry, dict) else None
                if not isinstance(pid, (str, int)) or str(pid).strip() == "":
                    raise HarvestError(f"{self.source.name}: a list item has no persistentId")
                pid = str(pid).strip()
                if pid in ids:
                    continue
                ids.add(pid)
                batch.append(RemoteItem(pid, name=str(entry.get("name") or ""),
                                        modified=str(entry.get("modified") or ""),
                                        version=str(entry.get("version") or "")))
            yield batch
            links = doc.get("links") if isinstance(doc.get("links"), dict) else {}
            nxt = doc.get("next") or links.get("next")
            url = urljoin(url, nxt) if isinstance(nxt, str) and nxt else None
            if url in visited:
                raise HarvestError(f"{self.source.name}: the list's next link leads back to {url}; stopping")
            visited.add(url)
        self._listing = Listing(ids=ids, complete=True)

    def listing(self) -> Listing:
        return self._listing

    def high_water(self) -> str:
        return ""

    def fetch(self, item: RemoteItem) -> object:
        url = self.item_url.replace("{id}", quote(item.remote_id, safe=""))
        try:
            return parse_json(self.session.get(url, headers=self.headers), url)
        except HarvestHTTPError as exc:
            raise RecordError(str(exc), code="fetch-failed") from None

    def transform(self, payload: object, item: RemoteItem) -> Mapped:
        return from_payload(payload, item.remote_id)
