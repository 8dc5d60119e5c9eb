"""Run one harvest: gather -> fetch -> transform -> import through Catalogue.save_many, one outcome per record.

Rules, in short:
- Incremental by default: CKAN asks only for what changed since the last complete run; every harvester skips a record
  whose payload (or, for HDR UK, version and modified date) is the same as last time and whose dataset is as we left
  it. --full re-reads and re-transforms everything (the store still makes no revision for an identical record).
- Records that fail mandatory rules are stored anyway (allow_invalid), flagged with their validation report. A record
  with no identifier gets <source>-<remote id>; with no publisher, the source's publisher (or the source's name).
- Duplicates across sources: a new remote record whose identifier is already used by a dataset that this source did
  not harvest, or whose normalised title and publisher match such a published dataset, is not stored. Its payload is
  kept, a link to the dataset already here is saved, and the outcome is "duplicate". First come, first kept.
- Withdrawals happen only after a complete run (full listing, no failures): datasets this source harvested whose
  remote record has gone are withdrawn through Catalogue.withdraw. A failed or partial run withdraws nothing.
"""
from __future__ import annotations

import logging
import os
import re
import time
import unicodedata
from dataclasses import dataclass, field
from typing import Callable

from catalogue.formats import normalise as m
from catalogue.provenance import COMPLETE, FAILED, PARTIAL, Run, Source
from catalogue.records.service import Catalogue
from catalogue.records.store import PUBLISHED, WITHDRAWN

from harvesters.contract import HarvestError, Harvester, RecordError, RemoteItem, digest, payload_text
from harvesters.http import HarvestSession, HttpConfig
from harvesters.registry import make_harvester
from harvesters.store import HarvestRepository, ObjectInfo

log = logging.getLogger("harvesters.runner")
CHUNK = 1000  # records imported (and outcomes saved) together: one store transaction batch and one index commit
MAIN_ACTIONS = ("created", "updated", "unchanged", "withdrawn", "failed")
# An outcome's `code` says, for programs, why a record failed or was not stored ("" when it was stored or withdrawn).
FETCH_FAILED = "fetch-failed"  # the record could not be fetched from the source
TRANSFORM_FAILED = "transform-failed"  # its payload could not be turned into a record
NOT_YOUR_ORGANISATION = "not-your-organisation"  # its publisher is not one this source may write for
REJECTED = "rejected"  # the store refused it (text or numbers no store can hold, values of the wrong type)
DUPLICATE = "duplicate"  # another record here already describes the dataset
PRIVATE, DELETED = "private-at-source", "deleted-at-source"  # skipped: not public at the source
NOT_WITHDRAWN = "not-withdrawn"  # gone from the source, but the run was not complete, so it stays
Progress = Callable[[str, dict], None]


@dataclass
class RunResult:
    run: Run
    source: Source
    outcomes: list[dict]

    def to_dict(self) -> dict:
        return {"source": self.source.name, "run": self.run.id, "status": self.run.status, "mode": self.run.mode,
                "error": self.run.error, "duration": self.run.duration, "totals": self.run.totals,
                **{k: self.run.totals.get(k, 0) for k in MAIN_ACTIONS}, "outcomes": self.outcomes}


class _Redactor(logging.Filter):
    def __init__(self, secret: str | None):
        super().__init__()
        self.secret = secret

    def __call__(self, text: str) -> str:
        return text.replace(self.secret, "[redacted]") if self.secret and text else text

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secret:
            record.msg, record.args = self(record.getMessage()), ()
        return True


def norm_title(title: str) -> str:
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


@dataclass
class _State:
    """Everything one run learns and decides, kept out of the control flow."""
    catalogue: Catalogue
    repo: HarvestRepository
    source: Source
    run_id: int
    full: bool
    harvester: Harvester | None = None
    objects: dict[str, ObjectInfo] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)
    keys: dict[str, tuple] = field(default_factory=dict)  # dataset id -> (publisher, title, status, revision)
    titles: dict[tuple, str] = field(default_factory=dict)  # (publisher, norm title) -> id, datasets of others
    seen: set[str] = field(default_factory=set)  # remote ids listed this run (not private, not deleted)
    absent: dict[str, str] = field(default_factory=dict)  # remote id -> why: harvested before, now private/deleted
    claimed: dict[str, str] = field(default_factory=dict)  # dataset id -> remote id, this run
    outcomes: list[dict] = field(default_factory=list)
    record_failures: int = 0
    redact: _Redactor = field(default_factory=lambda: _Redactor(None))

    def load(self) -> None:
        self.objects = self.repo.objects(self.source.name)
        self.owners = self.repo.owners()
        for ident, pub, title, status, rev in self.repo.dataset_keys():
            self.keys[ident] = (pub, title, status, rev)
            if status == PUBLISHED and self.owners.get(ident) != self.source.name:
                self.titles.setdefault((pub, norm_title(title)), ident)

    def outcome(self, item_id: str, action: str, dataset_id: str = "", reason: str = "", code: str = "",
                **details) -> None:
        self.outcomes.append({"remote_id": item_id, "dataset_id": dataset_id, "action": action, "code": code,
                              "reason": self.redact(reason), "details": details})
        if action == "failed":
            self.record_failures += 1


def harvest(catalogue: Catalogue, repo: HarvestRepository, source: Source, *, full: bool = False,
            http: HttpConfig | None = None, environ: dict | None = None, progress: Progress | None = None,
            allow_empty: bool = False, force: bool = False) -> RunResult:
    """Run one harvest of `source` and record it. Never raises for source or record problems: see the run status.
    Raises RunInProgress if another run holds the source (force: mark that run failed and go ahead)."""
    environ = os.environ if environ is None else environ
    started = time.monotonic()
    run_id = repo.start_run(source.name, "full" if full else "incremental", force=force)
    st = _State(catalogue, repo, source, run_id, full)
    secret = environ.get(source.token_env) if source.token_env else None
    st.redact = _Redactor(secret)
    loggers = [logging.getLogger(n) for n in list(logging.root.manager.loggerDict) if n.startswith("harvesters")]
    for lg in loggers:
        lg.addFilter(st.redact)
    status, error, high = COMPLETE, "", ""
    done = 0
    try:
        if source.token_env and not secret:
            raise HarvestError(f"{source.name}: the environment variable {source.token_env} is not set")
        last = repo.last_complete_run(source.name)
        since = None if full or last is None else (last.high_water or None)
        st.load()
        with HarvestSession(http) as session:
            st.harvester = make_harvester(source, session, secret)
            pending = _Pending()
            try:
                for batch in st.harvester.gather(since):
                    for item in batch:
                        _consider(st, item, pending)
                    if not _next_ready(st.harvester):  # store now, while the source prepares the next batch
                        _store(st, pending.take())
                    done = _saved(st, done, progress)
            except HarvestError:  # what was prepared before the source failed is still stored
                _store(st, pending.take())
                done = _saved(st, done, progress)
                raise
            _store(st, pending.take())
            done = _saved(st, done, progress)
            high = max(st.harvester.high_water(), since or "")
            listing = st.harvester.listing()
        if not listing.complete:
            status, error = PARTIAL, listing.note or "the source's listing was incomplete; nothing withdrawn"
        elif st.record_failures:
            status, error = PARTIAL, f"{st.record_failures} record(s) failed; nothing withdrawn"
        elif _listed_nothing(st, listing) and not allow_empty and any(o.dataset_id for o in st.objects.values()):
            status, error = PARTIAL, ("the source listed no datasets at all, so nothing was withdrawn; if it really "
                                      "is empty now, run again with --allow-empty")
        else:
            _withdraw_gone(st, listing)
        if status != COMPLETE:
            for remote_id, why in st.absent.items():
                st.outcome(remote_id, "skipped", "", f"{why}; not withdrawn because the run did not complete",
                           NOT_WITHDRAWN)
    except HarvestError as exc:
        status, error = FAILED, st.redact(str(exc))
    except Exception as exc:  # a bug or an unexpected library error: record the run as failed, then re-raise
        status, error = FAILED, st.redact(f"unexpected error: {type(exc).__name__}: {exc}")
        _finish(st, status, error, high, started, done)
        raise
    finally:
        for lg in loggers:
            lg.removeFilter(st.redact)
    run = _finish(st, status, error, high, started, done)
    return RunResult(run, source, st.outcomes)


def _finish(st: _State, status: str, error: str, high: str, started: float, done: int) -> Run:
    st.repo.add_outcomes(st.run_id, st.outcomes[done:])
    run = st.repo.finish_run(st.run_id, status=status, totals=_totals(st.outcomes), error=error, high_water=high,
                             duration=time.monotonic() - started)
    log.info("harvest %s run %d %s in %.1fs: %s%s", st.source.name, run.id, run.status, run.duration,
             ", ".join(f"{v} {k}" for k, v in run.totals.items() if v), f" ({error})" if error else "")
    return run


def _totals(outcomes: list[dict]) -> dict:
    totals = {k: 0 for k in (*MAIN_ACTIONS, "duplicate", "skipped")}
    for o in outcomes:
        totals[o["action"]] = totals.get(o["action"], 0) + 1
    totals["incomplete"] = sum(1 for o in outcomes if o["details"].get("incomplete"))
    return totals


def _unchanged(st: _State, item: RemoteItem) -> ObjectInfo | None:
    """The stored object, if this remote record and the dataset it became are both as we left them."""
    obj = st.objects.get(item.remote_id)
    if st.full or obj is None or not obj.dataset_id or obj.transform_version != st.harvester.transform_version:
        return None
    if item.payload is not None:
        same = digest(payload_text(item.payload, item.payload_format)) == obj.payload_hash
    else:
        same = (item.version, item.modified) == (obj.remote_version, obj.remote_modified)
    key = st.keys.get(obj.dataset_id)
    return obj if same and key and key[2] == PUBLISHED and key[3] == obj.revision else None


@dataclass
class _Pending:
    """Records prepared for the store, across the source's pages: they go in together when CHUNK are waiting, when
    the source's next page has not arrived yet, or at the end."""
    rows: list[tuple] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)

    def take(self) -> list[tuple]:
        rows, self.rows, self.ids = self.rows, [], set()
        return rows


def _next_ready(harvester: Harvester) -> bool:
    """Whether the harvester's next batch has already arrived (True when it cannot say: wait and store more at once)."""
    ready = getattr(harvester, "ready", None)
    return True if ready is None else ready()


def _saved(st: _State, done: int, progress: Progress | None) -> int:
    """Save the outcomes decided since the last call; report progress. Returns how many are saved."""
    if len(st.outcomes) > done:
        st.repo.add_outcomes(st.run_id, st.outcomes[done:])
        done = len(st.outcomes)
        if progress:
            progress("batch", {"processed": done, "totals": _totals(st.outcomes)})
    return done


def _consider(st: _State, item: RemoteItem, pending: _Pending) -> None:
    """Decide what to do with one listed item: skip it, call it unchanged, or prepare it for the store."""
    if item.remote_id in pending.ids:  # listed again before its first copy is stored: store that one first
        _store(st, pending.take())
    if item.private or item.deleted:
        _absent(st, item)
        return
    st.seen.add(item.remote_id)
    obj = _unchanged(st, item)
    if obj is not None:
        st.outcome(item.remote_id, "unchanged", obj.dataset_id, "not changed at the source")
        return
    prepared = _prepare(st, item)
    if prepared is not None:
        pending.rows.append(prepared)
        pending.ids.add(item.remote_id)
        if len(pending.rows) >= CHUNK:
            _store(st, pending.take())


def _absent(st: _State, item: RemoteItem) -> None:
    """A private or deleted dataset: never imported. If we had harvested it, it is withdrawn at the end of a
    complete run (with everything else that has gone)."""
    why = "private at the source" if item.private else "deleted at the source"
    obj = st.objects.get(item.remote_id)
    if obj and obj.dataset_id and st.keys.get(obj.dataset_id, (0, 0, WITHDRAWN))[2] == PUBLISHED:
        st.absent[item.remote_id] = why
    else:
        st.outcome(item.remote_id, "skipped", "", why, PRIVATE if item.private else DELETED)


def _prepare(st: _State, item: RemoteItem) -> tuple | None:
    """Fetch and transform one item, fill what the store needs, detect duplicates. None if handled here."""
    stage = FETCH_FAILED  # the code of a failure, by the stage it happened in
    try:
        payload = st.harvester.fetch(item)
        text = payload_text(payload, item.payload_format)
        stage = TRANSFORM_FAILED
        t = st.harvester.transform(payload, item)
    except RecordError as exc:
        st.outcome(item.remote_id, "failed", "", str(exc), stage)
        return None
    except Exception as exc:  # noqa: BLE001 - one bad record must not stop the run
        st.outcome(item.remote_id, "failed", "", f"could not transform: {type(exc).__name__}: {exc}", stage)
        return None
    record, notes = dict(t.record), list(t.notes)
    obj = st.objects.get(item.remote_id)
    if not _fill(st, item, record, notes, obj, t.explicit_identifier and bool(record.get("identifier"))):
        return None
    obj_row = {"remote_id": item.remote_id, "remote_name": item.name, "payload": text,
               "payload_format": item.payload_format, "payload_hash": digest(text), "schema_version": t.schema_version,
               "remote_modified": item.modified, "remote_version": item.version,
               "transform_version": st.harvester.transform_version, "revision": 0, "dataset_id": ""}
    dup = None if _claimed(st, obj) else _duplicate_of(st, record, t.explicit_identifier)
    if dup:
        kept, rule = dup
        st.repo.save_objects(st.source.name, st.run_id, [obj_row], set(st.objects))
        st.objects[item.remote_id] = ObjectInfo(item.remote_id, item.name, "", obj_row["payload_hash"], item.modified,
                                                item.version, obj_row["transform_version"], 0)
        st.repo.save_links(st.source.name, st.run_id, [{"remote_id": item.remote_id, "duplicate_of": kept,
                                                         "rule": rule}])
        st.outcome(item.remote_id, "duplicate", kept, f"{rule} as {kept}, which is already in the catalogue",
                   DUPLICATE, duplicate_of=kept, rule=rule)
        return None
    st.claimed[record["identifier"]] = item.remote_id
    return item, record, t, notes, obj_row


def _fill(st: _State, item: RemoteItem, record: dict, notes: list[str], obj: ObjectInfo | None,
          explicit: bool) -> bool:
    """Identifier, publisher and title the store needs. False (with a failed outcome) if the record may not go in."""
    name = st.source.name
    natural = record.get("identifier")
    if _claimed(st, obj):
        record["identifier"] = obj.dataset_id  # stable: a record keeps the identifier it first got here
    else:
        ident = natural or m.fallback_identifier(name, item.remote_id)
        if not natural:
            notes.append(f"no identifier at the source; using {ident}")
        taken_by = st.owners.get(ident)
        key = st.keys.get(ident)
        clash = (st.claimed.get(ident, item.remote_id) != item.remote_id
                 or (key is not None and (taken_by == name or key[2] != PUBLISHED or not explicit)))
        if clash:
            ident = m.fallback_identifier(name, item.remote_id)
            notes.append(f"identifier {natural} is already used here; using {ident}")
        record["identifier"] = ident
    allowed = st.source.publishers
    pub = record.get("publisher")
    if allowed and pub not in allowed:
        if len(allowed) > 1:
            st.outcome(item.remote_id, "failed", record["identifier"],
                       f"publisher {pub or '(none)'} is not one this source may write for ({', '.join(allowed)})",
                       NOT_YOUR_ORGANISATION)
            return False
        if pub:
            notes.append(f"publisher {pub} replaced by the source's publisher {allowed[0]}")
        record["publisher"] = allowed[0]
    elif not pub:
        record["publisher"] = m.publisher_slug(name) or "harvested"
        notes.append(f"no publisher at the source; using {record['publisher']}")
    if not isinstance(record.get("title"), str) or not record["title"].strip():
        record["title"] = item.name or item.remote_id
        notes.append("no title at the source; the remote name is used")
    return True


def _claimed(st: _State, obj: ObjectInfo | None) -> bool:
    """This source's remote record already stands for a dataset here. A claim written before a store that never
    happened (revision 0, no such dataset: the run was killed in between) does not count."""
    return bool(obj and obj.dataset_id and (obj.revision or obj.dataset_id in st.keys))


def _duplicate_of(st: _State, record: dict, explicit: bool) -> tuple[str, str] | None:
    ident = record["identifier"]
    key = st.keys.get(ident)
    if explicit and key is not None and key[2] == PUBLISHED and st.owners.get(ident) != st.source.name:
        return ident, "same identifier"
    other = st.titles.get((record["publisher"], norm_title(record["title"])))
    if other and other != ident:
        return other, "same title and publisher"
    return None


def _store(st: _State, pending: list[tuple]) -> None:
    if not pending:
        return
    known = st.catalogue.publisher_names()
    new_pubs = {rec["publisher"]: t.publisher_name for _, rec, t, _, _ in pending
                if rec["publisher"] not in known and t.publisher_name}
    if new_pubs:
        st.catalogue.load_publishers([{"id": k, "name": v} for k, v in sorted(new_pubs.items())])
    claims = _claim(st, pending)
    results = st.catalogue.save_many([rec for _, rec, _, _, _ in pending], author=f"harvest:{st.source.name}",
                                     route="harvest", allow_invalid=True)
    rows, refused = [], []
    existing = {row["remote_id"] for *_, row in pending if row["remote_id"] in st.objects} | set(claims)
    for (item, rec, t, notes, row), res in zip(pending, results):
        if res.action == "rejected":
            refused.append(item.remote_id)
            first = res.report.errors[0] if res.report.errors else None
            st.outcome(item.remote_id, "failed", rec["identifier"],
                       f"rejected by the store: {first.path}: {first.message}" if first else "rejected by the store",
                       REJECTED)
            continue
        report, changed = res.report, res.action != "unchanged"
        reason = ("stored, flagged incomplete" if not report.valid else "stored") if changed else "no change"
        st.outcome(item.remote_id, res.action, res.identifier, reason,
                   incomplete=changed and not report.valid, errors=len(report.errors), warnings=len(report.warnings),
                   error_paths=[i.path for i in report.errors][:20], unmapped=t.unmapped, notes=notes,
                   schema_version=t.schema_version, revision=res.revision)
        row.update(dataset_id=res.identifier, revision=res.revision or 0)
        rows.append(row)
        st.keys[res.identifier] = (rec["publisher"], rec["title"], PUBLISHED, res.revision)
        st.owners[res.identifier] = st.source.name
    _unclaim(st, [rid for rid in refused if rid in claims])
    # A claim already holds the payload: confirming it sets the dataset and revision only.
    st.repo.save_objects(st.source.name, st.run_id, [r for r in rows if r["remote_id"] not in claims], existing)
    st.repo.save_objects(st.source.name, st.run_id, [{"remote_id": r["remote_id"], "dataset_id": r["dataset_id"],
                                                      "revision": r["revision"]} for r in rows
                                                     if r["remote_id"] in claims], existing)
    for row in rows:
        st.objects[row["remote_id"]] = ObjectInfo(row["remote_id"], row["remote_name"], row["dataset_id"],
                                                  row["payload_hash"], row["remote_modified"], row["remote_version"],
                                                  row["transform_version"], row["revision"])
    st.repo.drop_links(st.source.name, [r["remote_id"] for r in rows])


def _claim(st: _State, pending: list[tuple]) -> set[str]:
    """Before the store writes: link each remote record that is new here to the dataset it is about to become
    (revision 0: not confirmed). A run killed after the write leaves the link, so the next run adopts the dataset
    instead of calling it a duplicate of itself. Returns the remote ids claimed."""
    rows = [{**row, "dataset_id": rec["identifier"], "revision": 0} for item, rec, _, _, row in pending
            if not _claimed(st, st.objects.get(item.remote_id))]
    st.repo.save_objects(st.source.name, st.run_id, rows, set(st.objects))
    return {r["remote_id"] for r in rows}


def _unclaim(st: _State, remote_ids: list[str]) -> None:
    """Undo claims for records the store refused: new ones are forgotten, earlier duplicates lose the claim."""
    new = [rid for rid in remote_ids if rid not in st.objects]
    st.repo.forget_objects(st.source.name, new)
    old = [rid for rid in remote_ids if rid in st.objects]
    if old:
        st.repo.save_objects(st.source.name, st.run_id, [{"remote_id": rid, "dataset_id": ""} for rid in old],
                             set(old))


def _listed_nothing(st: _State, listing) -> bool:
    """True when a 'complete' listing had no datasets at all: more often an outage than a real emptying."""
    return not st.seen and not st.absent and not listing.ids and not listing.names


def _withdraw_gone(st: _State, listing) -> None:
    """After a complete run: withdraw what this source harvested and is no longer (publicly) at the source."""
    gone_links = []
    for remote_id, obj in sorted(st.objects.items()):
        if remote_id not in st.absent and (
                remote_id in st.seen or (listing.ids is not None and remote_id in listing.ids)
                or (listing.names is not None and obj.remote_name in listing.names)):
            continue
        if not obj.dataset_id:
            gone_links.append(remote_id)
            continue
        key = st.keys.get(obj.dataset_id)
        if key is None or key[2] != PUBLISHED:
            continue
        why = st.absent.get(remote_id, "no longer at the source")
        reason = f"{why} (harvest source {st.source.name}, run {st.run_id})"
        res = st.catalogue.withdraw(obj.dataset_id, reason=reason, author=f"harvest:{st.source.name}", route="harvest")
        if res is not None and res.action == "withdrawn":
            st.outcome(remote_id, "withdrawn", obj.dataset_id, why)
    st.repo.drop_links(st.source.name, gone_links)
