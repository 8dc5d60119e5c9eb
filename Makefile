# Two everyday commands: `make run` (set up and serve with the seed data) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
GOVUK_FRONTEND_VERSION := 6.3.0
AXE_CORE_VERSION := 4.14.1
AUTOCOMPLETE_VERSION := 3.0.1
AUTOCOMPLETE := web/static/vendor/accessible-autocomplete.min.js
AXE := build/axe-core-$(AXE_CORE_VERSION)/package/axe.min.js
ASSETS := web/static/govuk/govuk-frontend.min.css
STAMP := $(VENV)/.installed
N ?= 10000
ENGINE ?= whoosh
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-tantivy test-wheel test-postgres test-multinode test-browser test-integration bench bench-audit bench-export bench-ckan bench-harvest bench-harvest-dcat bench-relevance bench-load bench-sparql bench-suggest bench-linkage install assets reindex clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e ".[test,postgres]"
	touch $(STAMP)

install: $(STAMP) $(ASSETS) $(AUTOCOMPLETE)

# GOV.UK Frontend, pinned, from the npm registry (dist files only, no build step).
$(ASSETS):
	rm -rf build/govuk-frontend && mkdir -p build/govuk-frontend web/static/govuk
	cd build/govuk-frontend && npm pack --silent govuk-frontend@$(GOVUK_FRONTEND_VERSION) >/dev/null && tar xzf govuk-frontend-$(GOVUK_FRONTEND_VERSION).tgz
	cp -R build/govuk-frontend/package/dist/govuk/assets build/govuk-frontend/package/dist/govuk/govuk-frontend.min.js web/static/govuk/
	cp build/govuk-frontend/package/dist/govuk/govuk-frontend.min.css $(ASSETS)

# GOV.UK's accessible-autocomplete, pinned, for the search box's suggestions (the box works without it).
$(AUTOCOMPLETE):
	rm -rf build/accessible-autocomplete && mkdir -p build/accessible-autocomplete web/static/vendor
	cd build/accessible-autocomplete && npm pack --silent accessible-autocomplete@$(AUTOCOMPLETE_VERSION) >/dev/null && tar xzf accessible-autocomplete-$(AUTOCOMPLETE_VERSION).tgz
	cp build/accessible-autocomplete/package/dist/accessible-autocomplete.min.js build/accessible-autocomplete/package/dist/accessible-autocomplete.min.css web/static/vendor/

assets: $(ASSETS) $(AUTOCOMPLETE)

run: install
	$(BIN)/catalogue init --seed
	$(BIN)/catalogue demo-users
	@echo "Open http://$(HOST):$(PORT)/ in a browser."
	$(BIN)/catalogue serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/pytest -q

# Installed, not only checked out: a wheel (with the GOV.UK assets built by install) in a fresh venv outside the
# checkout runs init, load, validate and serve, and every page and static file it links to answers 200.
test-wheel: install
	PYTHON=$(PYTHON) bash scripts/check_wheel.sh

# The whole suite with the Tantivy search engine (`make test` already runs the search tests on both engines).
test-tantivy: install
	CATALOGUE_TEST_SEARCH_ENGINE=tantivy $(BIN)/pytest -q

# The store, service and web tests against a private PostgreSQL (Debian's postgresql package).
test-postgres: install
	bash scripts/with_postgres.sh $(BIN)/pytest -q -m postgres

# Two real nodes (catalogue serve, each with its own index folder and indexer) on one private PostgreSQL.
test-multinode: install
	bash scripts/with_postgres.sh $(BIN)/pytest -q -m multinode tests/web/test_multinode.py

# axe-core, pinned, from the npm registry: the browser tests run it on every page they visit.
$(AXE):
	rm -rf build/axe-core-$(AXE_CORE_VERSION) && mkdir -p build/axe-core-$(AXE_CORE_VERSION)
	cd build/axe-core-$(AXE_CORE_VERSION) && npm pack --silent axe-core@$(AXE_CORE_VERSION) >/dev/null && tar xzf axe-core-$(AXE_CORE_VERSION).tgz

# Journeys in a real browser: Debian's Chromium (installed if missing, as root) driven by Playwright, with axe-core
# checking every page at 1280 and 390 px.
test-browser: install $(AXE)
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	$(BIN)/pip install --quiet -e ".[browser]"
	CATALOGUE_BROWSER=$$(command -v chromium) CATALOGUE_AXE=$(CURDIR)/$(AXE) $(BIN)/pytest -q -m browser

# Harvest from a real CKAN 2.12 (../shared/peers/ckan, needs root the first time): start and seed it, run the
# tests marked `integration`, and stop it again even when they fail.
# The peer scripts live in the workspace's shared folder, beside the checkout (or at /work/shared).
CKAN_PEER ?= $(firstword $(wildcard $(CURDIR)/../shared/peers/ckan /work/shared/peers/ckan) $(CURDIR)/../shared/peers/ckan)
CKAN_PEER_HOME ?= /tmp/ckan-peer
CKAN_URL ?= http://127.0.0.1:5050
test-integration: install
	@status=0; \
	CKAN_PEER_HOME=$(CKAN_PEER_HOME) bash "$(CKAN_PEER)/start_ckan.sh" --seed 20 && \
	CATALOGUE_CKAN_URL=$(CKAN_URL) CATALOGUE_CKAN_APIKEY_FILE=$(CKAN_PEER_HOME)/run/apikey \
	  $(BIN)/pytest -q -m integration || status=$$?; \
	CKAN_PEER_HOME=$(CKAN_PEER_HOME) bash "$(CKAN_PEER)/stop_ckan.sh" || true; \
	exit $$status

# Harvest throughput: 1,000 datasets from the CKAN peer (started, seeded and stopped here). Prints records/s.
bench-harvest: install
	@status=0; \
	CKAN_PEER_HOME=$(CKAN_PEER_HOME) bash "$(CKAN_PEER)/start_ckan.sh" && \
	$(CKAN_PEER_HOME)/venv/bin/python "$(CKAN_PEER)/seed_ckan.py" --url $(CKAN_URL) \
	  --apikey-file $(CKAN_PEER_HOME)/run/apikey --count 1000 --workers 4 && \
	( for e in $(if $(filter both,$(ENGINE)),whoosh tantivy,$(ENGINE)); do \
	  $(BIN)/python benchmarks/bench_harvest.py --url $(CKAN_URL) --engine $$e --repeat 3 || exit 1; done ) || status=$$?; \
	CKAN_PEER_HOME=$(CKAN_PEER_HOME) bash "$(CKAN_PEER)/stop_ckan.sh" || true; \
	exit $$status

# DCAT harvest throughput: a generated DCAT file of DCAT_N datasets served on 127.0.0.1. Prints records/s.
DCAT_N ?= 2000
bench-harvest-dcat: install
	$(BIN)/python benchmarks/bench_harvest_dcat.py --n $(DCAT_N) --engine $(ENGINE)

# ENGINE=whoosh (default), tantivy, or both (each in its own process, side by side).
# The link index figures follow, read from the same store (no second ingest).
bench: install
	@dir=$$(mktemp -d); status=0; \
	$(BIN)/python benchmarks/bench_catalogue.py --n $(N) --engine $(ENGINE) --keep $$dir/instance && \
	$(BIN)/python benchmarks/bench_linkage.py --instance $$(ls -d $$dir/instance* | head -1) || status=$$?; \
	rm -rf $$dir; exit $$status

# The link index, the "Linkable with" panel and a 5-dataset access plan over N synthetic records (stored directly).
bench-linkage: install
	$(BIN)/python benchmarks/bench_linkage.py --n $(N)

# Load against catalogue serve at N records (ENGINE=whoosh|tantivy): 32 searchers on /search pages and 20 uploaders
# for 60 s; prints p50/p95/p99 and errors of each, the index lag at the end and the server's peak RSS.
bench-load: install
	$(BIN)/python benchmarks/bench_load.py --n $(N) --engine $(ENGINE)

bench-audit: install
	$(BIN)/python benchmarks/bench_audit.py --n $(N)

# Whole-catalogue exports from a real server process: cold and cached times per format, 4 concurrent cold
# requests, peak server RSS.
bench-export: install
	$(BIN)/python benchmarks/bench_export.py --n $(N)

# The SPARQL projection: build time and rate, and a COUNT over the whole catalogue through /sparql (target p95
# <= 200 ms at N = 100,000: make bench-sparql N=100000).
bench-sparql: install
	$(BIN)/python benchmarks/bench_sparql.py --n $(N)

# The CKAN-compatible API: package cache build, package_search rows=1000 warm and after a write, peak RSS
# (target <= 1 s at N = 100,000: make bench-ckan N=100000). ENGINE=tantivy for the text queries' engine.
bench-ckan: install
	$(BIN)/python benchmarks/bench_ckan.py --n $(N) --engine $(ENGINE)

# Search relevance on the judged queries (tests/search/judgements.json): nDCG@10, recall@10, zero-result rate
# per engine.
bench-relevance: install
	$(BIN)/python benchmarks/bench_relevance.py

# Autocomplete: N records' names written as the index writer does, then 500 prefixes answered as /suggest does.
bench-suggest: install
	$(BIN)/python benchmarks/bench_suggest.py --n $(N)

reindex: install
	$(BIN)/catalogue reindex

clean:
	rm -rf build instance web/static/govuk web/static/vendor .pytest_cache
