# Bandstand developer commands (GNU make). `make` alone lists them.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help dev test lint security audit bench check seed admin fmt clean clean-data package deploy destroy aws-seed aws-admin smoke

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-11s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "  ports: API_PORT=8000 WEB_PORT=8080 DYNAMODB_PORT=8001, data: LOCAL_DIR=.local"

# Stamp files: the venv and node_modules are (re)installed only when their
# requirement files change.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# The template checkers (checkov) live in their own venv: their pins must not mix with ours.
TOOLS := .venv-tools
$(TOOLS)/.installed: requirements-tools.txt
	test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet -r requirements-tools.txt
	touch $@

# openapi-python-client too, for the generated-client test: `make test` needs it, `make dev` does not.
CLIENT := .venv-client
$(CLIENT)/.installed: requirements-client.txt
	test -x $(CLIENT)/bin/python || $(PYTHON) -m venv $(CLIENT)
	$(CLIENT)/bin/python -m pip install --quiet -r requirements-client.txt
	touch $@

# Running the app needs only the venv and node_modules (DynamoDB Local's jar); the
# template checkers and the generated-client venv are installed by `make test`.
deps := $(VENV)/.installed node_modules/.installed

dev: $(deps) ## run API, web app and DynamoDB Local (Ctrl-C stops all)
	$(PY) -m scripts.devstack

test: $(deps) $(TOOLS)/.installed $(CLIENT)/.installed ## run the tests (PYTEST_ARGS="-k foo" to narrow)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed ## ruff, ruff format --check, mypy, then bandit (CI runs this before the tests)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(MAKE) --no-print-directory security

security: $(VENV)/.installed ## bandit: fails on any high-severity finding (part of make lint)
	$(VENV)/bin/bandit -q -c pyproject.toml -r app.py webpolicy.py chalicelib scripts bench infra --severity-level high

# Not in CI: pip-audit needs its advisory source (PyPI's JSON API or OSV) over the network.
audit: $(VENV)/.installed ## pip-audit the pinned runtime requirements (needs pypi.org or osv.dev)
	$(VENV)/bin/pip-audit -r requirements.txt --progress-spinner off

bench: $(deps) package ## measure cold start, package size, round trips, hashing, latency; writes bench/results.md
	$(PY) -m bench

check: lint test ## lint, then the tests: exactly what CI runs

seed: $(deps) ## load the album catalog into a running `make dev`
	$(PY) -m scripts.devstack cli seed

# USERNAME must come from the command line: many desktop sessions export a
# USERNAME of their own, which must not be made admin by accident.
ifeq ($(origin USERNAME),command line)
admin: $(deps) ## make a user admin in a running `make dev`: make admin USERNAME=alice
	$(PY) -m scripts.devstack cli grant-admin '$(USERNAME)'
else
admin:
	@echo "usage: make admin USERNAME=<username>" >&2; exit 2
endif

fmt: $(deps) ## format the code and apply safe lint fixes
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# -- AWS (README "Deploy to AWS"); STAGE is a stage of .chalice/config.json ---------------
STAGE ?= dev
AWS_REGION ?= us-east-1
OUT ?= out
export AWS_REGION

package: $(VENV)/.installed ## write the SAM template and deployment.zip to out/: make package STAGE=prod
	$(PY) -m infra.package --stage $(STAGE) --out $(OUT) --region $(AWS_REGION)

deploy: package ## package, deploy the stack, upload the web app: make deploy STAGE=prod SENDER_EMAIL=...
	$(PY) scripts/deploy.py deploy --stage $(STAGE) --out $(OUT) --region $(AWS_REGION) \
		--sender-email '$(SENDER_EMAIL)' --domain-name '$(DOMAIN_NAME)' --certificate-arn '$(CERTIFICATE_ARN)' \
		--hosted-zone-id '$(HOSTED_ZONE_ID)' --alarm-email '$(ALARM_EMAIL)' \
		$(foreach p,$(PARAMS),--set '$(p)')

# The journey (register, confirm, sign in, albums, refresh, sign out, 401 + CORS) against
# any API: OUTBOX=<folder of .eml> locally, or POOL=<user pool id> to confirm as admin on AWS.
smoke: $(VENV)/.installed ## run the README's journey against an API: make smoke URL=https://... ORIGIN=https://... POOL=...
	@test -n '$(URL)' -a -n '$(ORIGIN)' || { echo "usage: make smoke URL=<api base url> ORIGIN=<site origin> [OUTBOX=<dir>|POOL=<pool id>]" >&2; exit 2; }
	$(PY) -m scripts.smoke --url '$(URL)' --origin '$(ORIGIN)' $(if $(OUTBOX),--outbox '$(OUTBOX)') $(if $(POOL),--user-pool-id '$(POOL)')

aws-seed: $(VENV)/.installed ## load the album catalog into a deployed stage: make aws-seed STAGE=prod
	$(PY) scripts/deploy.py seed --stage $(STAGE) --region $(AWS_REGION)

aws-admin: $(VENV)/.installed ## make a user admin on a deployed stage: make aws-admin STAGE=prod USERNAME=alice
	@test -n '$(filter command line,$(origin USERNAME))' || { echo "usage: make aws-admin STAGE=<stage> USERNAME=<username>" >&2; exit 2; }
	$(PY) scripts/deploy.py grant-admin '$(USERNAME)' --stage $(STAGE) --region $(AWS_REGION)

destroy: $(VENV)/.installed ## delete the stack (tables and user pool are kept): make destroy STAGE=prod
	$(PY) scripts/deploy.py destroy --stage $(STAGE) --region $(AWS_REGION)

clean: ## remove the venvs, node_modules and caches (keeps .local data)
	rm -rf $(VENV) $(TOOLS) $(CLIENT) node_modules build dist out test-artifacts .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -not -path './.local/*' -prune -exec rm -rf {} +

clean-data: ## delete local data: DynamoDB Local tables, outbox, JWT secret, logs
	rm -rf .local
