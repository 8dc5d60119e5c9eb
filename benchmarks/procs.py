"""A served catalogue's processes (gunicorn arbiter, web workers, the node's indexer), read from /proc."""
from __future__ import annotations

import os
from pathlib import Path


def tree_rss_mb(pid: int) -> tuple[float, float]:
    """(total RSS of the process and its descendants, the largest single one) in MB, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        ppid = int(fields.get("PPid", "0").strip() or 0)
        children.setdefault(ppid, []).append(int(entry.name))
        rss[int(entry.name)] = int(fields.get("VmRSS", "0 kB").split()[0]) / 1024
    todo, seen = [pid], []
    while todo:
        p = todo.pop()
        seen.append(p)
        todo.extend(children.get(p, []))
    sizes = [rss.get(p, 0.0) for p in seen]
    return round(sum(sizes), 1), round(max(sizes), 1)


def tree_cpu_s(pid: int) -> dict[str, float]:
    """CPU seconds (user + system) used so far by the process and its live descendants, from /proc: in all, and by
    the node's indexer alone (the rest is gunicorn's arbiter and web workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    parents, used, indexers = {}, {}, set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
            used[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
            if b"catalogue.records.indexer" in cmdline:
                indexers.add(int(entry.name))
    todo, total, indexer = [pid], 0.0, 0.0
    while todo:
        p = todo.pop()
        total += used.get(p, 0.0)
        indexer += used.get(p, 0.0) if p in indexers else 0.0
        todo.extend(child for child, parent in parents.items() if parent == p)
    return {"total": total, "indexer": indexer}
