# tributary — every target that builds installs its Debian packages first.
SHELL := /bin/bash
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps build test deploy bench db-up db-down fuzz clean format report report-screenshot \
	compose-up compose-down test-docker

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

clean:
	rm -rf $(BUILD)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')
