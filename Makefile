# The verbs a newcomer needs. See README.md.
SHELL := /bin/bash
CARGO ?= cargo
TOOLS := $(CURDIR)/.local/tools/bin
export SAM_CLI_TELEMETRY := 0
export SAM_CLI_BETA_RUST_CARGO_LAMBDA := 1

.PHONY: dev test test-browser web build deploy lint openapi address-codes bench bench-http bench-office bench-cold-start prerequisites install tools clean

## Start the whole system locally on http://127.0.0.1:3000 (Ctrl-C stops it): the browser
## front end at /, the API under /api, the SMS viewer at /dev/sms.
dev: prerequisites install web
	$(CARGO) run --quiet -p devstack -- dev

## Build the front end (web/dist) when its sources or lock changed: npm ci, vue-tsc, vite.
WEB_SOURCES := $(shell find web/src web/index.html web/vite.config.ts web/tsconfig.json web/package.json -type f 2>/dev/null)
web: web/dist/index.html
web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	@touch $@
web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SOURCES)
	cd web && npm run build

## The browser journey alone: a fresh dev stack on free ports, Playwright (playwright-core)
## driving Debian's chromium through it; screenshots in target/browser/.
test-browser: prerequisites install web
	CARGO=$(CARGO) bash infra/local/browser-test.sh

## Every check CI runs: format, lints, unit + property + end-to-end tests (schemathesis over the
## OpenAPI document among them), the browser journey, the front end's types against the
## document, template lint.
test: prerequisites install tools
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --all-features -- -D warnings
	@# Each Lambda with only its own features of the library, as `make build` builds it.
	CARGO=$(CARGO) bash infra/local/clippy-functions.sh
	$(CARGO) run --quiet -p devstack -- test --workspace --all-features
	$(MAKE) test-browser
	cd web && npm run --silent api-types:check
	@# Both partitions: the global regions and AWS China (Beijing, Ningxia); see docs/china.md.
	$(TOOLS)/cfn-lint --regions us-east-1 cn-north-1 cn-northwest-1 -- template.yaml
	$(TOOLS)/sam validate --lint --region us-east-1
	$(TOOLS)/sam validate --lint --region cn-north-1

## Build every Lambda for arm64 with sam (cargo-lambda; no Docker needed).
build: tools
	rustup target add aarch64-unknown-linux-gnu >/dev/null 2>&1 || true
	PATH="$(TOOLS):$$PATH" $(TOOLS)/sam build --beta-features
	@du -b .aws-sam/build/*/bootstrap | sort -k2

## Deploy to AWS (credentials from the environment): sam deploy, the front end into the web
## bucket, then the seed. STACK=name (default cwmia), PARAMS="PublicBaseUrl=https://…".
deploy: build web
	CARGO=$(CARGO) bash infra/deploy.sh

## Regenerate shared/data/address-codes.txt (every GB/T 2260 address code since 1980) from PyPI.
address-codes:
	python3 infra/data/address_codes.py

## Regenerate functions/reference/openapi.json from the routes, and the front end's types from it.
openapi: web/node_modules/.package-lock.json
	$(CARGO) run --quiet -p devstack -- openapi
	cd web && npm run --silent api-types

## Benchmarks (optimised builds): PDF rendering, the import pipeline vs openpyxl, HTTP import,
## cold starts.
bench: bench-http bench-office bench-cold-start .local/bench/bin/python
	PYTHON=$(CURDIR)/.local/bench/bin/python $(CARGO) bench -p shared --all-features

# openpyxl (PyPI) for the import benchmark's comparison, apart from the emulator's venv.
.local/bench/bin/python:
	python3 -m venv .local/bench
	.local/bench/bin/pip install --quiet --disable-pip-version-check 'openpyxl==3.1.5'

## Each function's cold start: its release binary (the profile `make build` ships, this
## machine's architecture) started against a stand-in Runtime API on loopback.
FUNCTIONS := $(notdir $(patsubst %/,%,$(wildcard functions/*/)))
bench-cold-start:
	$(CARGO) build --release --bins $(addprefix -p ,$(FUNCTIONS))
	$(CARGO) bench -p e2e --bench cold_start

## 20,000 rows imported over HTTP into the local stack.
bench-http: install
	$(CARGO) run --quiet -p devstack -- bench -p e2e --bench http_import

## The office's view at 10,000 units: 首页统计, 业务查询 and an export of 10,000 applications.
bench-office: install
	$(CARGO) run --quiet -p devstack -- bench -p e2e --bench office_view

## The machine's tools (Debian packages: Java, Node.js, Chromium, CJK fonts, poppler, venv),
## checked before any build; installed when missing and root, else one line says what to run.
prerequisites:
	@bash infra/local/prerequisites.sh

install: prerequisites
	@bash infra/local/install.sh

tools: prerequisites
	@bash infra/local/install-tools.sh

clean:
	rm -rf target .aws-sam web/dist
