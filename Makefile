# Task runner. The README's two commands are `make demo` and `make test`.
BUILD      ?= build
ASAN_BUILD ?= build-asan
MESON_OPTS ?=
SUITES     ?=
FUZZ_SECONDS ?= 60

.PHONY: all build deps-build deps-demo deps-test deps-bench demo test asan fuzz bench clean

all: build

deps-build: ; @scripts/deps.sh build
deps-demo:  ; @scripts/deps.sh demo
deps-test:  ; @scripts/deps.sh test
deps-bench: ; @scripts/deps.sh bench

$(BUILD)/build.ninja:
	@meson setup $(BUILD) $(MESON_OPTS) >/dev/null || meson setup $(BUILD) $(MESON_OPTS)

build: deps-build $(BUILD)/build.ninja
	@ninja -C $(BUILD) >/dev/null || ninja -C $(BUILD)

# The concentrator with real tunnels, in network namespaces, interactive CLI.
demo: deps-demo build
	@scripts/demo.sh $(BUILD)

# Every suite, release build; then the unit kind again under ASan/UBSan.
test: deps-test build
	@scripts/run-tests.sh $(BUILD) $(ASAN_BUILD) $(SUITES)

asan: deps-test
	@test -f $(ASAN_BUILD)/build.ninja || meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false
	@ninja -C $(ASAN_BUILD)

fuzz: deps-test
	@scripts/fuzz.sh $(FUZZ_SECONDS)

bench: deps-bench build
	@scripts/bench.sh $(BUILD) $(if $(QUICK),--quick)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
