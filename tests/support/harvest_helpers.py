"""Shared helpers for the harvest tests: fast HTTP limits and a one-call harvest."""
from __future__ import annotations

from catalogue.provenance import Source
from harvesters.http import HttpConfig
from harvesters.runner import RunResult, harvest
from harvesters.store import HarvestRepository

# Short limits so fault tests finish quickly; retries and backoff still happen.
FAST = HttpConfig(connect_timeout=1.0, read_timeout=0.5, total_timeout=2.0, retries=2, backoff=0.01, max_wait=0.05,
                  max_bytes=2 * 1024 * 1024)


def add_source(cat, name: str, type_: str, url: str, **kw) -> Source:
    repo = HarvestRepository(cat.store)
    source = Source(name, type_, url, **kw)
    repo.add_source(source)
    return source


def run(cat, name: str, *, full: bool = False, http: HttpConfig = FAST, environ: dict | None = None) -> RunResult:
    repo = HarvestRepository(cat.store)
    return harvest(cat, repo, repo.source(name), full=full, http=http, environ=environ or {})


def by_action(result: RunResult) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for o in result.outcomes:
        out.setdefault(o["action"], []).append(o)
    return out
