"""A publisher's public audit scores, shown on its public page (the steward dashboard has the full audit)."""
from __future__ import annotations

from flask import url_for

from catalogue.audit.record import r1
from catalogue.audit.summary import METRIC_LABELS
from catalogue.records.clock import utc_now

from web.services import services

PUBLIC_METRICS = ("weighted_completeness", "mandatory", "recommended", "readiness", "quality", "mqa")


def public_summary(publisher_id: str) -> dict:
    """A publisher's scores for its public page: anyone may see them (always as of today)."""
    run = services().run_cache.get(utc_now().date(), publisher_id)
    group = run.publisher(publisher_id)
    if group is None or not group.records:
        return {"records": 0}
    cfg = services().audit_config
    return {"records": group.records, "as_of": run.as_of.isoformat(),
            "scores": [{"metric": m, "label": METRIC_LABELS[m], "mean": r1(group.mean(m))} for m in PUBLIC_METRICS],
            "medallions": [{"id": m["id"], "label": m["label"], "records": group.medallions[m["id"]]}
                           for m in cfg.raw["hdruk"]["medallions"]],
            "gaps": [{"id": g["id"], "label": g["label"], "records": group.gaps[g["id"]]} for g in cfg.gaps],
            "method_url": url_for("audit.method")}
