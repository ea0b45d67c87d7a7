# Jumper: `make serve` sets up everything and starts the server; `make test` sets up and runs every test.
# Downloads, the virtual environment, models and test media are cached under .cache/ (ignored by git).

CACHE_DIR ?= $(CURDIR)/.cache
MODELS_DIR ?= $(CACHE_DIR)/models
TEST_MEDIA_DIR ?= $(CACHE_DIR)/test-media
DATA_DIR ?= $(HOME)/.local/share/jumper
HOST ?= 127.0.0.1
PORT ?= 6699
PYTHON := $(CACHE_DIR)/venv/bin/python
export JUMPER_CACHE_DIR := $(CACHE_DIR)
export JUMPER_MODELS_DIR := $(MODELS_DIR)
export JUMPER_TEST_MEDIA_DIR := $(TEST_MEDIA_DIR)

.PHONY: setup system-packages python-env models test-media build serve test test-swift test-api bench clean

setup: system-packages python-env models

system-packages:
	@command -v swift >/dev/null || { echo "swift not found: install the Swift 6 toolchain and put it on PATH"; exit 1; }
	@scripts/install-system-packages.sh

python-env: system-packages
	@scripts/install-python-env.sh

models: python-env
	@scripts/fetch-models.sh
	@scripts/fetch-face-models.sh
	@scripts/fetch-speech-models.sh

test-media: python-env
	@scripts/make-test-media.sh "$(TEST_MEDIA_DIR)"
	@scripts/fetch-face-test-images.sh
	@scripts/make-face-test-media.sh "$(TEST_MEDIA_DIR)/faces" "$(TEST_MEDIA_DIR)/face-videos"

build: system-packages
	swift build -c release --product jumper

serve: setup build
	.build/release/jumper serve --host $(HOST) --port $(PORT) --data-dir "$(DATA_DIR)" --models-dir "$(MODELS_DIR)"

test: setup test-media build test-swift test-api

test-swift:
	# Serial: the Socket.IO heartbeat tests time out when the model tests take both cores.
	swift test --no-parallel

test-api:
	$(PYTHON) -m pytest -q tests

bench: setup test-media build
	scripts/run-benchmarks.sh

clean:
	rm -rf .build
