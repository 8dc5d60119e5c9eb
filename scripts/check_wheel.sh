#!/usr/bin/env bash
# Installed, not only checked out: build a wheel from this checkout, install it into a fresh virtualenv in a
# temporary folder outside the checkout, and from there run `catalogue init`, `load`, `validate` and `serve`,
# fetching the pages and every static file they link to. Fails on the first problem.
#
# Usage: scripts/check_wheel.sh   (make test-wheel builds the GOV.UK Frontend assets first; they go in the wheel)
# PYTHON picks the interpreter of the fresh venv (default python3); KEEP=1 keeps the temporary folder.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
BUILD_PIP="$ROOT/.venv/bin/pip"
[ -x "$BUILD_PIP" ] || BUILD_PIP="$PYTHON -m pip"
FIND_LINKS=()
[ -d /opt/wheels ] && FIND_LINKS=(--find-links /opt/wheels)

[ -f "$ROOT/web/static/govuk/govuk-frontend.min.css" ] || {
  echo "check_wheel: web/static/govuk is missing; run 'make assets' (make test-wheel does)" >&2; exit 1; }

TMP="$(mktemp -d "${TMPDIR:-/tmp}/catalogue-wheel.XXXXXX")"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [ "${KEEP:-0}" = 1 ]; then echo "check_wheel: kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
step() { echo "check_wheel: $*"; }

# 1. Build from a copy of the working tree without build state (a stale build/lib or egg-info would leak into the
#    wheel; the shared checkout stays untouched).
step "building the wheel"
mkdir -p "$TMP/src" "$TMP/dist"
tar -C "$ROOT" --exclude=./.git --exclude=./.venv --exclude=./build --exclude='./*.egg-info' --exclude=./instance \
    --exclude='__pycache__' --exclude=./node_modules --exclude=./.pytest_cache -cf - . | tar -C "$TMP/src" -xf -
$BUILD_PIP wheel --quiet --no-deps "${FIND_LINKS[@]}" -w "$TMP/dist" "$TMP/src"
WHEEL="$(ls "$TMP"/dist/*.whl)"
mkdir -p "$ROOT/build/wheel" && rm -f "$ROOT"/build/wheel/*.whl && cp "$WHEEL" "$ROOT/build/wheel/"
step "built $(basename "$WHEEL")"

# 2. The wheel holds every template, static file, schema and seed file of the checkout, and no module that is
#    not in the checkout.
"$PYTHON" - "$ROOT" "$WHEEL" <<'EOF'
import sys, zipfile
from pathlib import Path

root, wheel = Path(sys.argv[1]), sys.argv[2]
names = set(zipfile.ZipFile(wheel).namelist())
wanted = [p for folder in ("web/templates", "web/static", "schemas", "seed_data") for p in (root / folder).rglob("*")
          if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"]
missing = sorted(str(p.relative_to(root)) for p in wanted if str(p.relative_to(root)) not in names)
stale = sorted(n for n in names if n.endswith(".py") and not (root / n).is_file())
tests = sorted(n for n in names if n.startswith("tests/"))
for label, found in (("missing from the wheel", missing), ("in the wheel but not in the checkout", stale),
                     ("tests in the wheel", tests)):
    if found:
        sys.exit(f"check_wheel: {label}:\n  " + "\n  ".join(found))
print(f"check_wheel: the wheel has all {len(wanted)} data files (templates, static, schemas, seed data)")
EOF

# 3. A fresh venv outside the checkout; PyPI (and /opt/wheels) supply the dependencies.
step "installing into a fresh venv in $TMP"
"$PYTHON" -m venv "$TMP/venv"
"$TMP/venv/bin/pip" install --quiet --upgrade pip
"$TMP/venv/bin/pip" install --quiet "${FIND_LINKS[@]}" "$WHEEL"
BIN="$TMP/venv/bin"

# 4. Everything from a folder that is not the checkout, with nothing pointing back at it.
mkdir -p "$TMP/work" && cd "$TMP/work"
unset PYTHONPATH CATALOGUE_INSTANCE_DIR CATALOGUE_DATABASE_URL CATALOGUE_INDEX_DIR CATALOGUE_BASE_URL || true
"$BIN/python" - "$ROOT" <<'EOF'
import sys
from pathlib import Path

import catalogue, harvesters, schemas, seed_data, web

root = Path(sys.argv[1]).resolve()
for module in (catalogue, harvesters, schemas, seed_data, web):
    where = Path(module.__file__).resolve()
    if root in where.parents:
        sys.exit(f"check_wheel: {module.__name__} imported from the checkout ({where})")
print("check_wheel: imports come from the installed wheel")
EOF

step "catalogue init"
"$BIN/catalogue" init
[ -d instance ] || { echo "check_wheel: 'catalogue init' made no ./instance" >&2; exit 1; }
step "catalogue load (seed data from the checkout)"
"$BIN/catalogue" load "$ROOT"/seed_data/datasets/*.json --publishers "$ROOT/seed_data/publishers.json"
step "catalogue validate"
"$BIN/catalogue" validate "$ROOT/seed_data/example-record.json"
step "catalogue init --seed (the seed data shipped in the wheel)"
"$BIN/catalogue" --instance seeded init --seed

PORT="$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
step "catalogue serve on 127.0.0.1:$PORT"
"$BIN/catalogue" serve --host 127.0.0.1 --port "$PORT" >"$TMP/serve.log" 2>&1 &
SERVER_PID=$!

# 5. The pages, a dataset and every static file they or the stylesheets link to must answer 200.
if ! "$BIN/python" - "http://127.0.0.1:$PORT" "$SERVER_PID" <<'EOF'
import json, os, re, sys, time
from urllib.error import HTTPError, URLError
from urllib.parse import urljoin, urlsplit
from urllib.request import urlopen

base, pid = sys.argv[1], int(sys.argv[2])


def get(path):
    try:
        with urlopen(urljoin(base, path), timeout=30) as response:
            return response.status, response.read()
    except HTTPError as error:
        return error.code, error.read()


for _ in range(300):
    try:
        get("/")
        break
    except (URLError, ConnectionError):
        os.kill(pid, 0)  # the server died: stop now
        time.sleep(0.1)
else:
    sys.exit("check_wheel: the server did not answer within 30 s")

failures, assets, pages = [], set(), 0
status, body = get("/search.json?q=pupil")
hits = json.loads(body)["hits"] if status == 200 else []
if not hits:
    sys.exit(f"check_wheel: /search.json?q=pupil gave {status} and no hits")
dataset = hits[0]["id"]
for path in ("/", "/search?q=pupil", f"/datasets/{dataset}", f"/datasets/{dataset}.json", f"/datasets/{dataset}.ttl",
             "/publish", "/publishers", "/audit/method"):
    status, body = get(path)
    pages += 1
    if status != 200:
        failures.append(f"{path}: {status}")
        continue
    for link in re.findall(rb'(?:href|src)="([^"]+)"', body):
        link = urlsplit(link.decode()).path
        if link.startswith(("/static/", "/assets/")):
            assets.add(link)
for css in [a for a in assets if a.endswith(".css")]:
    for url in re.findall(rb"url\(([^)]+)\)", get(css)[1]):
        url = url.decode().strip("'\"")
        if not url.startswith("data:"):
            assets.add(urlsplit(urljoin(css, url)).path)
for asset in sorted(assets):
    status, body = get(asset)
    if status != 200 or not body:
        failures.append(f"{asset}: {status}")
if not any(a.startswith("/static/govuk/") for a in assets) or not any(a.startswith("/assets/") for a in assets):
    failures.append(f"expected GOV.UK Frontend CSS and its fonts or images among the static files: {sorted(assets)}")
if failures:
    sys.exit("check_wheel: not 200:\n  " + "\n  ".join(failures))
print(f"check_wheel: {pages} pages and {len(assets)} static files answered 200 (dataset {dataset})")
EOF
then
  echo "check_wheel: server log:" >&2; cat "$TMP/serve.log" >&2; exit 1
fi
step "OK: the installed wheel initialises, loads, validates and serves"
