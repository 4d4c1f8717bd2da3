# Thin wrapper over CMake + CTest. `make run` and `make test` are the two
# commands of the README; both install missing Debian packages first.

BUILD_DIR ?= build
ASAN_DIR  ?= build/asan
FUZZ_DIR  ?= build/fuzz
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)
CTEST_ARGS ?= --output-on-failure -j $(JOBS)

.PHONY: all build deps run test test-fast asan fuzz format check-format install clean

all: build

deps:
	@scripts/deps.sh

build:
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: deps build
	@scripts/run.sh

# The whole suite: release build + ctest, ASan/UBSan build + ctest, format check.
test: deps
	@$(MAKE) --no-print-directory build
	cd $(BUILD_DIR) && ctest $(CTEST_ARGS)
	@$(MAKE) --no-print-directory asan
	@scripts/check-format.sh

test-fast: build
	cd $(BUILD_DIR) && ctest $(CTEST_ARGS)

asan:
	@cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DRJ_ASAN=ON -DRJ_UBSAN=ON >/dev/null
	@cmake --build $(ASAN_DIR) -j $(JOBS)
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest $(CTEST_ARGS)

# libFuzzer targets (clang); run one with e.g. build/fuzz/bin/fuzz_frame tests/fuzz/corpus/frame
fuzz:
	@cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DRJ_FUZZ=ON -DRJ_ASAN=ON -DRJ_UBSAN=ON >/dev/null
	@cmake --build $(FUZZ_DIR) -j $(JOBS)

format:
	@git ls-files '*.c' '*.h' | xargs clang-format -i

check-format:
	@scripts/check-format.sh

install: build
	cmake --install $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)
