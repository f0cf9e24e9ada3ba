# otwatch - the two set-up commands (README.md):
#   make demo   builds otwatch, loads the bundled capture of the mock control
#               system, shows what it found and serves the web interface on
#               http://127.0.0.1:8005
#   make test   builds and runs every test (also under ASan+UBSan)
# Both install their own Debian packages when missing (as root, non-interactive).

BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
DEMO_DB    ?= demo.db

.PHONY: all deps build build-asan test demo clean bench

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

build-asan: deps
	CC=clang cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DOTW_SANITIZE=ON -DOTW_FUZZ=ON >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)

test: build build-asan
	@bash scripts/run-tests.sh $(BUILD) $(ASAN_BUILD)

demo: build
	@bash scripts/demo.sh $(BUILD)/otwatch $(DEMO_DB)

bench: build
	bash bench/import.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm $(basename $(DEMO_DB))-pcap
