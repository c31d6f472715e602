# PIT patient-education assistant. `make help` lists every target.
# Every target installs what it needs first, so a fresh clone needs only `make run` or `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV   := .venv
PY     := $(VENV)/bin/python
# Rasa runs through `python -m bot rasa`, which sets the environment defaults (telemetry
# off, quiet TensorFlow, PYTHONHASHSEED=0) from their one place, bot/environment.py.
RASA   := $(PY) -m bot rasa
export PYTHONPATH := $(CURDIR)
# tests/unit runs in this many pytest-xdist workers (CI has 2 cores: 0.69x the time of one,
# 122 s against 177 s on 2026-12-06); the tests that start servers run in one process.
TEST_WORKERS ?= 2

.PHONY: help install browser nginx spacy train run run-cluster test test-unit test-integration validate lint types format \
        test-stories eval-nlu eval-safety eval-conversations bench compare-configs lock clean db-upgrade \
        test-postgres helm encoder bench-encoder audit bench-fuzz bench-red-flags bench-studio bench-event-broker bench-per-message \
        bench-studio-pages bench-model-swap bench-model-memory bench-soak bench-pika-broker bench-training-numerics \
        bench-rasa-floor profile profile-long

help: ## list every target
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

install: ## create/update the Python 3.10 environment in .venv (does nothing if up to date)
	@scripts/setup.sh

browser: ## install Debian's chromium for the widget's browser tests (if missing)
	@scripts/setup-browser.sh

helm: ## install Helm and the Kubernetes schemas (build/helm-venv) so the test of deploy/helm/ can render and check the chart
	@scripts/setup-helm.sh

nginx: ## install Debian's nginx (if missing) so the test of deploy/nginx/ can run `nginx -t`
	@scripts/setup-nginx.sh

encoder: install ## fetch and verify (SHA-256) the all-MiniLM-L6-v2 sentence encoder (build/encoder/source), then train the red-flag head on it (build/red_flag_head.npz)
	@$(PY) -m bot.encoder
	@$(PY) -m bot.safety.head

spacy: install ## build our spaCy pipeline (build/spacy_pit) from data/catalog/conditions.yml
	@$(PY) -m bot spacy

train: spacy encoder ## train a model unless one already matches the current data and config
	@$(PY) -m bot train

run: install ## run the whole assistant: action server, Rasa server, demo web page
	@$(PY) -m bot run

run-cluster: install nginx ## run 2 Rasa servers + 2 action servers behind nginx on PostgreSQL and Redis (REPLICAS=n; README "Deploy")
	@$(PY) -m bot run-cluster --replicas $(or $(REPLICAS),2)

db-upgrade: install ## create/upgrade the booking-request database (Alembic)
	@$(PY) -m bot db upgrade

test-postgres: install ## booking storage/delivery and privacy tests on the real PostgreSQL (127.0.0.1:5432, db test)
	@$(PY) -m pytest -m postgres tests/scale

lint: install ## style gate: ruff check (lint) and ruff format --check (settings in ruff.toml)
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .

types: install ## type check of bot/ and actions/ (mypy, settings in mypy.ini)
	@$(VENV)/bin/mypy

format: install ## apply the formatter and the safe lint fixes (ruff)
	@$(VENV)/bin/ruff check --fix .
	@$(VENV)/bin/ruff format .

validate: install spacy ## check the training data (rasa data validate --fail-on-warnings) and that the red-flag catalog compiles
	@$(RASA) data validate --fail-on-warnings --config config.yml --domain domain.yml --data data
	@$(PY) -m bot check-catalog

test-unit: spacy encoder ## fast tests in tests/unit: no servers, no PostgreSQL (on TEST_WORKERS cores)
	@$(PY) -m pytest -n $(TEST_WORKERS) tests/unit

test-integration: train browser ## tests against a real Rasa server and action server (and browser)
	@$(PY) -m pytest -m integration tests

test-stories: train ## conversation test stories through the trained model
	@$(RASA) test core --model "$$($(PY) -m bot model)" --stories tests/stories \
	    --fail-on-prediction-errors --out results/core --no-plot

eval-nlu: train ## NLU accuracy per topic on the held-out test file (fails below thresholds)
	@$(PY) -m bot eval-nlu

eval-conversations: train ## multi-turn held-out conversations through the real servers (issue 15 gates)
	@$(PY) -m bot eval-conversations

eval-safety: train encoder ## red flags: project sets + independent set (first reply end to end): recall 100%, false alarms <=2%, Spanish 100%
	@$(PY) -m bot eval-safety

test: lint types validate train browser nginx helm encoder ## everything: lint, types, validate, pytest (all), stories, NLU and safety checks
	@$(PY) -m pytest -n $(TEST_WORKERS) tests/unit --durations=10
	@$(PY) -m pytest tests --ignore=tests/unit --durations=25
	@$(MAKE) --no-print-directory test-stories
	@$(MAKE) --no-print-directory eval-nlu
	@$(MAKE) --no-print-directory eval-safety
	@$(MAKE) --no-print-directory eval-conversations

bench: train ## ours beside the `rasa init` starter bot, Locust at 1 and 10 users: msg/s, p50/p95/p99, RSS, cold start, turn 500 vs 10, one timed training, issues 13 and 14's targets (writes bench/results/)
	@scripts/setup-locust.sh
	@$(PY) bench/run_bench.py

profile: train ## one message end to end under py-spy: where the time goes (writes bench/results/profile-*.md)
	@$(PY) bench/profile_message.py

profile-long: train ## the last turns of a 400-turn conversation under py-spy: where the late turns' time goes (writes bench/results/long-conversation-*.md)
	@$(PY) bench/long_conversation_profile.py

bench-fuzz: train ## 10,000 fuzzed requests to every entry point of the real stack: 5xx, crashes, traces (writes bench/results/)
	@$(PY) bench/fuzz_bench.py

bench-studio: train ## studio publish -> first REST reply with the new text, and patient turn latency while publishing (writes bench/results/)
	@$(PY) bench/studio_publish_bench.py

bench-event-broker: train ## Rasa server with no event broker, Rasa's SQL broker and ours (batched), interleaved: latency, CPU per message, msg/s (writes bench/results/)
	@$(PY) bench/event_broker_bench.py

bench-per-message: spacy ## the per-message savings (schema check once, streaming tracker store, no per-message session action, event classes from a table, session rows kept, rule window with turn-only action calls) side by side, interleaved: latency, CPU and action calls per message, msg/s, long conversation (writes bench/results/)
	@$(PY) bench/per_message_bench.py

bench-studio-pages: install ## inbox, analytics and conversation pages with 10,000 conversations in a PostgreSQL tracker store (PostgreSQL at 127.0.0.1; writes bench/results/)
	@$(PY) bench/studio_pages_bench.py

bench-soak: train nginx ## 50 senders for 5 minutes against the cluster (make run-cluster's shape): errors, p95, memory growth (writes bench/results/)
	@$(PY) bench/soak_bench.py

bench-pika-broker: install ## Rasa's Pika event broker and ours on a busy event loop, alternating: backlog, time to clear it, memory growth (RabbitMQ at 127.0.0.1; writes bench/results/)
	@$(PY) bench/pika_broker_bench.py

bench-rasa-floor: train ## issue 13's floor: a bare Rasa bot (no ML, no action server) beside the starter bot and ours, same load, rotating rounds: msg/s, p95, p50, CPU per message (writes bench/results/)
	@scripts/setup-locust.sh
	@$(PY) bench/rasa_floor.py

bench-model-memory: train ## the Rasa server's memory with Rasa's model loading and ours, alternating: RSS, peak, per graph node, identical answers (writes bench/results/)
	@$(PY) bench/model_memory.py

bench-model-swap: train ## swap models under load, ours (studio_model channel) against Rasa's PUT /model: failed requests, latency, swap time (writes bench/results/)
	@$(PY) bench/model_swap_bench.py

compare-configs: spacy encoder ## NLU pipelines side by side (COMPARE="--only ours sentence --styles-file F")
	@$(PY) bench/compare_configs.py $(COMPARE)

bench-red-flags: encoder ## red-flag checker alone: recall, false alarms, ms per message and for long messages (writes bench/results/)
	@$(PY) bench/red_flag_checker.py

bench-training-numerics: spacy ## which settings change a trained model's numbers on this CPU (ISA, oneDNN, repeat), weights compared byte for byte (writes bench/results/)
	@$(PY) bench/training_numerics.py

bench-encoder: encoder ## sentence encoder, numpy beside the earlier TensorFlow one: ms per message, load time, memory (writes bench/results/)
	@$(PY) bench/encoder_bench.py

audit: ## known vulnerabilities in constraints.txt (pip-audit in build/audit-venv; needs the network); fails on one with no decision in security/audit_decisions.yml
	@scripts/audit.sh

lock: install ## rewrite constraints.txt from the current environment
	@{ echo "# Full pinned environment (pip freeze of a working install). Regenerate with \`make lock\`."; \
	   $(PY) -m pip freeze | grep -v -E '^-e |@ file'; } > constraints.txt

clean: ## remove built files, models and results (keeps .venv and var/ data)
	rm -rf build models results .rasa .pytest_cache
