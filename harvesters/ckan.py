"""CKAN harvester (Action API through ckanapi): package_search paging, incremental, package_list fallback."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Iterator

from ckanapi import RemoteCKAN
from ckanapi.errors import CKANAPIError, ServerIncompatibleError

from catalogue.provenance import Source

from catalogue.formats.ckan import TRANSFORM_VERSION, transform_package
from catalogue.formats.result import Mapped

from harvesters.contract import HarvestError, Listing, RecordError, RemoteItem
from harvesters.http import HarvestHTTPError, HarvestSession, parse_json
from harvesters.prefetch import Ahead, ahead

log = logging.getLogger("harvesters.ckan")
SORT = "metadata_modified asc, id asc"
ROWS = 1000  # package_search page size unless the source's `rows` option says otherwise
# The next page is fetched (in a thread) while the runner imports this one, unless this one is larger than
# 1/AHEAD_SHARE of the response cap: so fetching ahead holds at most one such small page more than before.
AHEAD_SHARE = 8


class _Refused(Exception):
    """The server answered, but not with a usable result. `fallback`: the action itself seems unavailable
    (a 4xx answer, or CKAN's search backend is down), so package_list + package_show may still work."""

    def __init__(self, message: str, fallback: bool = False):
        super().__init__(message)
        self.fallback = fallback


@dataclass
class _Paging:
    seen: set = field(default_factory=set)
    count: int = 0

    @property
    def complete(self) -> bool:
        return len(self.seen) >= self.count


def solr_date(value: str) -> str:
    """CKAN's metadata_modified ('2024-05-01T10:11:12.345678', maybe with Z) as a Solr date."""
    return value if value.endswith("Z") else value + "Z"


class CkanHarvester:
    transform_version = TRANSFORM_VERSION

    def __init__(self, source: Source, session: HarvestSession, secret: str | None):
        self.source, self.session = source, session
        self.rows = int(source.options.get("rows", ROWS))
        self.fq = str(source.options.get("fq", "")).strip()
        self.ckan = RemoteCKAN(source.url.rstrip("/"), apikey=secret or None, user_agent=session.config.user_agent,
                               get_only=True, session=session)
        if secret:
            session.secret_headers |= {"X-CKAN-API-Key", "Authorization"}
        self._listing = Listing()
        self._high = ""
        self._ahead: Ahead | None = None

    def _call(self, action: str, **params):
        """One Action API call. HarvestError if the source cannot be reached; _Refused if it answers wrongly."""
        try:
            return self.ckan.call_action(action, params)
        except HarvestHTTPError as exc:
            raise HarvestError(f"{self.source.name}: {action}: {exc}") from None
        except RecursionError:  # ckanapi's json.loads on a deeply nested body
            raise HarvestError(f"{self.source.name}: {action}: {self.session.last.get('url', '?')}: "
                               "JSON nested too deeply to read") from None
        except (CKANAPIError, ServerIncompatibleError) as exc:
            last = self.session.last
            kind = type(exc).__name__
            status = last.get("status", 0)
            fallback = 400 <= status < 500 or kind in ("SearchError", "SearchIndexError")
            if kind not in ("CKANAPIError", "ServerIncompatibleError"):  # NotFound, NotAuthorized, SearchError...
                raise _Refused(f"{last.get('url', '?')}: {kind} {_short(exc)}", fallback) from None
            try:  # say exactly what was wrong with the body: HTML, HTTP error, broken JSON
                parse_json(last["response"], last["url"])
            except (HarvestHTTPError, KeyError) as why:
                raise _Refused(str(why), fallback) from None
            raise _Refused(f"{last['url']} (HTTP {status}) did not answer with CKAN API JSON", fallback) from None

    # gather
    def gather(self, since: str | None) -> Iterator[list[RemoteItem]]:
        user_fq = f"+({self.fq})" if self.fq else ""
        fq = " ".join(x for x in (user_fq, f"+metadata_modified:[{solr_date(since)} TO *]" if since else "") if x)
        paging = _Paging()
        self._ahead = ahead(self._pages(fq, None, paging), hold=self._large)
        try:
            for results in self._ahead:
                yield [self._item(pkg) for pkg in results]
        except _Refused as exc:
            if paging.count or paging.seen or not exc.fallback:
                raise HarvestError(f"{self.source.name}: package_search: {exc}") from None
            log.warning("%s: package_search unavailable (%s); using package_list + package_show",
                        self.source.name, exc)
            self._ahead = ahead(self._list_and_show())
            yield from self._ahead
            return
        finally:
            self._ahead.close()
        if since:  # an incremental run sees only changes: list what exists, to know what has gone
            self._listing = self._list_ids(user_fq)
        else:
            self._listing = Listing(ids=set(paging.seen), complete=paging.complete,
                                    note="" if paging.complete else
                                    f"listing ended early: {len(paging.seen)} of {paging.count} datasets seen")

    def _large(self, _page) -> bool:
        """The page just read is too large to hold another beside it (memory: see harvesters/http.py)."""
        return self.session.last.get("bytes", 0) > self.session.config.max_bytes // AHEAD_SHARE

    def _item(self, pkg: dict) -> RemoteItem:
        mod = pkg.get("metadata_modified") if isinstance(pkg.get("metadata_modified"), str) else ""
        if mod and solr_date(mod) > self._high:
            self._high = solr_date(mod)
        return RemoteItem(str(pkg["id"]), name=str(pkg.get("name") or ""), modified=mod, payload=pkg,
                          private=bool(pkg.get("private")), deleted=pkg.get("state") == "deleted")

    def _pages(self, fq: str, fl: str | None, paging: _Paging) -> Iterator[list[dict]]:
        """package_search pages in a stable order; new ids only; stops with an error if a page repeats."""
        start, prev = 0, None
        while True:
            params = {"q": "*:*", "sort": SORT, "rows": self.rows, "start": start}
            if fq:
                params["fq"] = fq
            if fl:
                params["fl"] = fl
            res = self._call("package_search", **params)
            results, paging.count = _page(res, self.source.name, start)
            if not results:
                return
            ids = [r["id"] for r in results]
            if ids == prev:
                raise HarvestError(f"{self.source.name}: package_search returned the same page twice "
                                   f"(start={start}); stopping rather than loop")
            prev = ids
            fresh = [r for r in results if r["id"] not in paging.seen]
            paging.seen.update(ids)
            yield fresh
            start += len(results)
            if start >= paging.count:
                return

    def _list_ids(self, fq: str) -> Listing:
        """Every id at the source (ids only, so cheap), for withdrawals after an incremental run."""
        paging = _Paging()
        try:
            for _ in self._pages(fq, "id", paging):
                pass
        except _Refused as exc:
            return Listing(note=f"could not list the datasets at the source ({exc})")
        return Listing(ids=set(paging.seen), complete=paging.complete,
                       note="" if paging.complete else f"listing ended early: {len(paging.seen)} of {paging.count}")

    def _list_and_show(self) -> Iterator[list[RemoteItem]]:
        try:
            names = self._call("package_list")
        except _Refused as exc:
            raise HarvestError(f"{self.source.name}: neither package_search nor package_list works: {exc}") from None
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise HarvestError(f"{self.source.name}: package_list did not return a list of names")
        names = sorted(set(names))
        self._listing = Listing(names=set(names), complete=True)
        for start in range(0, len(names), 100):
            batch = []
            for name in names[start:start + 100]:
                try:
                    pkg = self._call("package_show", id=name)
                except (HarvestError, _Refused) as exc:
                    batch.append(RemoteItem(name, name=name, payload_format=f"error:{exc}"))
                    continue
                if not isinstance(pkg, dict) or not pkg.get("id"):
                    batch.append(RemoteItem(name, name=name, payload_format="error:package_show returned no dataset"))
                    continue
                batch.append(self._item(pkg))
            yield batch

    def listing(self) -> Listing:
        return self._listing

    def ready(self) -> bool:
        """During gather: whether the next batch has already arrived (pages are fetched ahead, in a thread)."""
        return self._ahead is None or self._ahead.ready()

    def high_water(self) -> str:
        return self._high

    def fetch(self, item: RemoteItem) -> object:
        if item.payload_format.startswith("error:"):
            raise RecordError(item.payload_format[6:], code="fetch-failed")
        if item.payload is not None:
            return item.payload
        try:
            return self._call("package_show", id=item.remote_id)
        except (HarvestError, _Refused) as exc:
            raise RecordError(str(exc), code="fetch-failed") from None

    def transform(self, payload: object, item: RemoteItem) -> Mapped:
        return transform_package(payload)


def _page(res, name: str, start: int) -> tuple[list[dict], int]:
    if not isinstance(res, dict) or not isinstance(res.get("results"), list) or not isinstance(res.get("count"), int):
        raise HarvestError(f"{name}: package_search at start={start} did not return 'count' and 'results'")
    results = [r for r in res["results"] if isinstance(r, dict) and isinstance(r.get("id"), str) and r["id"]]
    if len(results) != len(res["results"]):
        raise HarvestError(f"{name}: package_search at start={start} returned entries without an id")
    return results, res["count"]


def _short(exc: Exception, limit: int = 200) -> str:
    text = str(exc)
    return text if len(text) <= limit else text[:limit - 3] + "..."
