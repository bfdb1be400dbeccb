# tributary — every target that builds installs its Debian packages first.
SHELL := /bin/bash
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps build test deploy bench db-up db-down fuzz clean format report report-screenshot \
	compose-up compose-down test-docker citus-up citus-down test-citus bench-citus

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The whole suite: unit + integration tests, then the same under ASan/UBSan (build-asan/),
# then a smoke of the fuzzers, 60 seconds each (build-fuzz/). Benchmarks are `make bench`.
test: build
	@cd $(BUILD) && ctest --output-on-failure -j 2 --timeout 600
	@bash scripts/sanitize.sh
	@bash scripts/fuzz.sh 120

bench: build
	@BUILD=$(BUILD) bash scripts/bench.sh

fuzz: deps
	@bash scripts/fuzz.sh $${FUZZ_SECONDS:-1200}

deploy: build
	@bash scripts/deploy.sh

# One self-contained HTML file (opens offline) for the configured warehouse, by default the
# local cluster of `make db-up` / `make deploy`: charts, load health and the model docs.
REPORT ?= .local/tributary-report.html
report: build
	@mkdir -p $(dir $(REPORT))
	@$(BUILD)/ingest/tributary report --out $(REPORT)

# docs/report.png, the README's screenshot, from the demo month in a throwaway database.
report-screenshot: build
	@BUILD=$(BUILD) bash scripts/report-screenshot.sh

db-up: deps
	@bash scripts/db-up.sh

db-down:
	@bash scripts/db-down.sh

# deploy/compose.yaml: the warehouse, tributary (loads the demo month) and pgAdmin on
# http://localhost:5050. Secrets come from .env (generated there when missing).
compose-up:
	@bash scripts/compose.sh up

compose-down:
	@bash scripts/compose.sh down

# The Docker test (docs/docker.md): builds the image and runs the compose services with host
# networking; says SKIPPED when dockerd cannot be started. Not part of `make test`.
test-docker:
	@bash tests/docker/compose_test.sh

# A local Citus cluster (a coordinator and two workers on loopback; docs/citus.md). Builds
# Citus from CITUS_SOURCE (default ../shared/vendor/citus-13.2.2.tar.gz) when none is installed.
citus-up: deps
	@bash scripts/citus-up.sh

citus-down:
	@bash scripts/citus-down.sh

# The integration tests that must behave the same on Citus, against a coordinator and two
# workers of their own; skipped (saying so) when Citus is neither installed nor buildable.
test-citus: build
	@BUILD=$(BUILD) bash scripts/test-citus.sh

# Ingest and the full model build on Citus and on a single node, side by side (bench/citus.sh).
bench-citus: build
	@BUILD=$(BUILD) bash bench/citus.sh

clean:
	rm -rf $(BUILD)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')
