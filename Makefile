# Slipway — `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SERVICES := api-gateway user event notification
INITIAL_TAG ?= 1.0.0
DEMO_TAG ?= 1.1.0
# The demo's metric gates judge real requests: each step bakes long enough for
# the canary's share of 50 rps to reach min_requests, and waits for the
# emulator's metric flush before reading CloudWatch.
DEMO_GATES ?= -e service_release_step_bake_seconds=10 -e service_release_metrics_delay_seconds=5 -e service_release_require_traffic=true

# The local default: the Slipway emulator on loopback. Its address has one
# setting, SLIPWAY_EMULATOR_PORT (default 4566) or AWS_ENDPOINT_URL: make,
# tools/local-aws, Terraform and the inventories resolve it the same way
# (`tools/local-aws endpoint`), and two that disagree stop everything.
LOCAL_ENDPOINT = $(shell tools/local-aws endpoint 2>/dev/null)
export AWS_ACCESS_KEY_ID ?= test
export AWS_SECRET_ACCESS_KEY ?= test
export AWS_DEFAULT_REGION ?= us-east-1
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: help setup emulator foundation images demo test terraform-integration unit lint sanity molecule integration emulator-test secrets-test compliance-test dr-test pipelines-test bench down clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(BIN)/.installed ## Create the virtualenv with the pinned dependencies and link the collection
	@mkdir -p collections/ansible_collections/slipway
	@ln -sfn ../../.. collections/ansible_collections/slipway/aws
	@command -v terraform >/dev/null || { echo "terraform >= 1.6 is required on PATH"; exit 1; }

emulator foundation images demo down: export AWS_ENDPOINT_URL = $(LOCAL_ENDPOINT)

emulator: setup ## Start the local AWS emulator (idempotent)
	@tools/local-aws endpoint >/dev/null
	tools/local-aws up

# The repositories come first and the initial images go in before the ECS
# services exist, so no task ever starts on an image that is not there.
foundation: emulator ## Apply the local Terraform foundation to the emulator, with the initial images (INITIAL_TAG)
	tools/tf-apply-local -target=module.stack.module.ecr
	@for s in $(SERVICES); do tools/local-aws push-image $$s $(INITIAL_TAG); done
	tools/tf-apply-local

images: foundation ## The foundation with the initial images of every service (kept for old habits: foundation does it)

demo: foundation ## Set up everything, then release `user` blue-green (DEMO_TAG) under synthetic traffic
	tools/local-aws push-image user $(DEMO_TAG)
	tools/local-aws traffic start user --rps 50
	$(BIN)/ansible-playbook playbooks/deploy_service.yml -e svc=user -e image_tag=$(DEMO_TAG) $(DEMO_GATES); \
	  rc=$$?; tools/local-aws traffic stop user >/dev/null; exit $$rc
	@echo "--- notifications the release sent (the local Slack secret points at the emulator's receiver)"
	tools/local-aws notifications
	@echo "--- user through the production listener"
	tools/local-aws get user /

# Three lanes side by side (tools/lanes): the server suites mostly wait on Terraform's provider, health checks and
# bakes, and each has ports of its own (tests/support/ports.py; tools/lanes refuses lanes that could meet on a port).
# terraform-check comes before the compliance suite: it builds checkov's venv, which the suite's IaC test runs.
TEST_LANES ?= "terraform-integration" \
  "lint unit terraform-check emulator-test compliance-test molecule-default" \
  "secrets-test dr-test pipelines-test molecule-dr_runbook molecule-secret_rotate molecule-secret_rotation_audit molecule-release_train molecule-static_site"
test: setup ## Run every test (what CI runs): static checks, unit tests and the server suites, in lanes side by side
	tools/lanes $(TEST_LANES)

terraform-integration: setup ## Terraform and integration tests, sharing one applied foundation
	$(BIN)/python -m pytest -q tests/terraform tests/integration

lint: setup ## Static checks: ruff, yamllint, ansible-lint, shellcheck, actionlint, terraform fmt, sanity
	$(BIN)/ruff check plugins tools tests benchmarks
	$(BIN)/ruff format --check plugins tools tests benchmarks
	$(BIN)/yamllint -s .
	$(BIN)/ansible-lint --profile production --offline
	$(BIN)/shellcheck tools/sanity tools/tf tools/tf-apply-local tools/local-aws tools/build-angular-fixtures tools/prowler .ci/run
	$(BIN)/actionlint
	tools/tf fmt -check -recursive terraform
	tools/sanity

sanity: setup ## ansible-test sanity on a copy of the collection (tools/sanity; needs PyPI)
	tools/sanity

# Two lanes side by side (tools/lanes), each scenario with -s (`test --all` looks for a `default` scenario and logs
# CRITICAL when there is none). The lanes keep the scenarios whose side ports could meet apart.
MOLECULE_LANES ?= "molecule-release_train molecule-static_site" "molecule-default molecule-dr_runbook molecule-secret_rotate molecule-secret_rotation_audit"
molecule: setup ## Molecule scenarios of the roles (molecule/*, each on its own emulator ports), in two lanes
	tools/lanes $(MOLECULE_LANES)

molecule-%: setup ## One molecule scenario: make molecule-static_site
	MOLECULE_ANSIBLE_ARGS_STRICT_MODE=1 $(BIN)/molecule test -s $*

.PHONY: terraform-check tf-validate checkov tf-docs tf-docs-check terraform-test

terraform-check: tf-validate checkov tf-docs-check ## Terraform static checks: fmt, validate of every root, checkov, module READMEs

tf-validate: ## terraform fmt -check, then init -backend=false + validate of every root and module example (private TF_DATA_DIRs)
	tools/tf-validate-all

checkov: ## checkov over terraform/ from its own venv (.venv-checkov, pinned in requirements-checkov.txt)
	tools/checkov

tf-docs: setup ## Regenerate the Inputs/Outputs tables in terraform/modules/*/README.md from the code
	$(BIN)/python tools/tf-docs

tf-docs-check: setup ## Fail if a module README no longer matches its variables and outputs
	$(BIN)/python tools/tf-docs --check

terraform-test: setup ## Terraform tests: apply+plan converges, output contract, input validation (own emulator, tests/support)
	$(BIN)/python -m pytest -q tests/terraform

unit: setup ## Unit tests (no servers)
	$(BIN)/python -m pytest -q tests/unit

emulator-test: setup ## Tests of the local AWS emulator itself
	$(BIN)/python -m pytest -q tests/emulator

dr-test: setup ## DR runbooks against the emulator's RDS on real PostgreSQL (tests/dr: PITR with a canary writer, check mode, confirmation, resume)
	$(BIN)/python -m pytest -q tests/dr

pipelines-test: setup ## The ECR scan gate against the emulator's ECR scanning with seeded findings (tests/pipelines; workflows are checked in unit)
	$(BIN)/python -m pytest -q tests/pipelines

compliance-test: setup ## The compliance report against its own seeded emulator (tests/compliance: verdicts, deny matrix, outputs)
	$(BIN)/python -m pytest -q tests/compliance

secrets-test: setup ## Secret rotation against a real PostgreSQL server, and the audit, against the emulator (tests/rotation, tests/secrets, tests/secrets_rotation)
	$(BIN)/python -m pytest -q tests/rotation tests/secrets tests/secrets_rotation

integration: setup ## Real ansible-playbook runs against the emulator with the foundation applied by Terraform (tests/support)
	$(BIN)/python -m pytest -q tests/integration

bench: setup ## Benchmarks: releases, site publishing, the secret-rotation drill, the DR runbooks (printed, see benchmarks/README.md)
	$(BIN)/python benchmarks/release_bench.py
	$(BIN)/python benchmarks/site_bench.py
	$(BIN)/python benchmarks/secret_drill.py
	$(BIN)/python benchmarks/dr_bench.py

.PHONY: bench-train
bench-train: setup ## Release-train benchmark: one release against a train of all four services, same settings (own emulator on 4920)
	$(BIN)/python benchmarks/train_bench.py

.PHONY: bench-site
bench-site: setup ## Site publishing benchmark: Slipway beside community.aws and aws s3 sync, 0/500/5,000 past invalidations
	$(BIN)/python benchmarks/site_bench.py

BENCH_DR_RUNS ?= 3
.PHONY: bench-dr
bench-dr: setup ## DR runbooks benchmark: RTO parts per runbook on the emulator (real PostgreSQL) and the framework's own overhead
	$(BIN)/python benchmarks/dr_bench.py --runs $(BENCH_DR_RUNS)

# Not in `bench`: it installs Prowler (~2.3 GB, .venv-prowler via tools/prowler) and runs for about 5 minutes (19 with 10,000).
# BENCH_COMPLIANCE_SIZES=100,1000,10000 adds the largest size.
BENCH_COMPLIANCE_SIZES ?= 100,1000
.PHONY: bench-compliance
bench-compliance: setup ## Compliance report benchmark: Slipway beside Prowler (own venv) over 100 and 1,000 seeded resources
	$(BIN)/python benchmarks/compliance_bench.py --sizes $(BENCH_COMPLIANCE_SIZES)

down: ## Stop the local emulator
	tools/local-aws down

clean: down ## Remove the virtualenv and local state
	rm -rf $(VENV) .venv-checkov .venv-ecs-deploy .venv-awscli .venv-prowler .local-aws .tfcli releases terraform/environments/local/.terraform terraform/environments/local/terraform.tfstate*
