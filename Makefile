# The front door: every target does its own set-up on a fresh Debian 12 machine.
# SWIFT_FLAGS passes options to every swift build, e.g. `make test SWIFT_FLAGS="-j 1"`.

SWIFT_FLAGS ?=
BENCH_ARGS ?=
INSTRUCTION_OPS ?= 1000000
FIDELITY_ARGS ?=
RELEASE_BIN := .build/release/arenastress

.PHONY: help run test stress bench instructions fidelity fuzz build release clean deps

help:
	@echo "make run           run every scenario in Scenarios/ (SCENARIOS=... for others); prints where each report landed"
	@echo "make test          build and run the tests (debug, a 10 s fuzz, an outside package using the library, then the threading tests under ThreadSanitizer)"
	@echo "make stress        the long soak: the threading stress tests at 10,000,000 ops per worker (release)"
	@echo "make bench         model vs glibc timings -> Reports/bench/latest.json (BENCH_ARGS=... for options)"
	@echo "make instructions  callgrind instructions per malloc+free pair, model vs glibc"
	@echo "make fidelity      the model against this machine's glibc, op by op (FIDELITY_ARGS=... for options)"
	@echo "make fuzz          mutated scenarios, traces, reports and command lines (FUZZ_SECONDS=60 FUZZ_SEED=N FUZZ_ARGS=...)"
	@echo "make build         debug build (and record's preload library beside it)"
	@echo "make release       release build (and record's preload library beside it)"
	@echo "make clean         remove build products"
	@echo "make deps          install the Debian packages the project needs, if missing"

# The default suite: every scenario the repository ships. One report per scenario
# under Reports/<scenario>/<time>/; the exit status is 1 if any expectation failed.
SCENARIOS ?= $(wildcard Scenarios/*.yaml) $(wildcard Scenarios/corruption/*.yaml)
RUN_ARGS ?=

run: release
	$(RELEASE_BIN) run $(RUN_ARGS) $(SCENARIOS)

# The Debian packages the build and its tools need (libnuma-dev for the NUMA layer).
DEBIAN_PACKAGES := libnuma-dev valgrind libjemalloc2 libmimalloc2.0 libtcmalloc-minimal4

deps:
	@scripts/deps.sh $(DEBIAN_PACKAGES)

# `arenastress record`'s preload library, plain C built with cc beside the executable:
# SwiftPM would link the Swift runtime into it, and so into every recorded program.
RECORD_LIBRARY := Sources/ArenaRecord/record.c
RECORD_CFLAGS := -O2 -g -fPIC -shared -Wall -Wextra
define record-library
	$(CC) $(RECORD_CFLAGS) -o $(1)/libarenastress-record.so $(RECORD_LIBRARY) -ldl
endef

build: deps
	swift build $(SWIFT_FLAGS)
	$(call record-library,.build/debug)

# The threading tests run a second time under ThreadSanitizer, in a build folder of
# their own, with a shorter stress run.
TSAN_FLAGS := --sanitize=thread --scratch-path .build-tsan
THREADING_TESTS := LockTests|SchedulerTests|ModelStressTests

test: deps
	swift build --build-tests $(SWIFT_FLAGS)
	$(call record-library,.build/debug)
	swift test --skip-build
	$(FUZZ_BIN) $(FUZZ_SMOKE)
	SWIFT_FLAGS="$(SWIFT_FLAGS)" scripts/library-check.sh $(CURDIR)/.build-library-check
	swift build --build-tests $(TSAN_FLAGS) $(SWIFT_FLAGS)
	ARENASTRESS_STRESS_OPS=30000 TSAN_OPTIONS="halt_on_error=1 suppressions=$(CURDIR)/Tests/tsan-suppressions.txt" \
		swift test --skip-build $(TSAN_FLAGS) --filter '$(THREADING_TESTS)'

stress: deps
	ARENASTRESS_STRESS_OPS=10000000 swift test -c release $(SWIFT_FLAGS) --filter 'ModelStressTests'

release: deps
	swift build -c release $(SWIFT_FLAGS)
	$(call record-library,.build/release)

bench: release
	$(RELEASE_BIN) bench $(BENCH_ARGS)

instructions: release
	scripts/instructions.sh --ops $(INSTRUCTION_OPS) $(RELEASE_BIN)

# One thread: the named traces and 200 random ones of 10,000 ops, ending `fidelity: N/M ops identical`;
# then 200 multi-thread traces of 10,000 ops, ending `fidelity threads: N/M ops identical` and their coverage.
fidelity: release
	$(RELEASE_BIN) fidelity $(FIDELITY_ARGS)

# The fuzzer runs the debug binary (assertions on) on mutated inputs of Tests/FuzzCorpus
# and the shipped scenarios; failures are printed with their seed and saved under
# Reports/fuzz/seed-N/. Without FUZZ_SEED the seed comes from the clock (and is printed).
FUZZ_SECONDS ?= 60
FUZZ_SEED ?=
FUZZ_ARGS ?=
FUZZ_BIN := .build/debug/arenastress-fuzz
# The smoke run of `make test`: the first 200 inputs of seed 1 (fewer if 10 s run out),
# every kind of input.
FUZZ_SMOKE := --seed 1 --inputs 200 --seconds 10

fuzz: build
	$(FUZZ_BIN) --seconds $(FUZZ_SECONDS) $(if $(FUZZ_SEED),--seed $(FUZZ_SEED)) $(FUZZ_ARGS)

clean:
	swift package clean
