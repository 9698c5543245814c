# pex: the two commands of the README, and what they are made of. `.ci/run` calls `make test`.
#
#   make run    install what is missing, build the node (release) and run a development chain
#   make test   install what is missing, then fmt, clippy, rustdoc, the test suite (which builds
#               the runtime's WASM blob, and with it every no_std crate), the tests (and lints) of
#               the benchmark and try-runtime code, and the one-release-line dependency check:
#               exactly what CI runs

SHELL := /bin/bash
CARGO_TARGET_DIR_OR_DEFAULT := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
.SHELLFLAGS := -eu -o pipefail -c

APT_PACKAGES := protobuf-compiler clang libclang-dev
WASM_TARGET := wasm32v1-none
# polkadot-sdk's rustfmt options are partly nightly-only: use nightly when the machine has it.
FMT := $(shell rustup toolchain list 2>/dev/null | grep -q '^nightly' && echo 'cargo +nightly fmt' || echo 'cargo fmt')
NEXTEST := $(shell cargo nextest --version >/dev/null 2>&1 && echo yes)
# substrate-wasm-builder finds the lock file by walking up from the target dir; CI keeps that
# outside the clone, where it would find none and resolve the runtime's dependencies afresh
# (losing the pinned alloy versions pallet-revive needs). Point it at the workspace.
export WASM_BUILD_WORKSPACE_HINT := $(CURDIR)

.PHONY: run test deps fmt fmt-check clippy docs unit-tests feature-tests dependency-check bench bench-schedule

# A single-authority development chain (Alice) in a temporary directory, blocks built in parallel.
run: deps
	cargo build --release -p pex-node -p pex-bench
	@echo ""
	@echo "pex-node --dev --tmp: a development chain; Alice authors every block, pex builds them."
	@echo "  polkadot.js apps:  https://polkadot.js.org/apps/?rpc=ws%3A%2F%2F127.0.0.1%3A9944"
	@echo "                     (or any client on ws://127.0.0.1:9944)"
	@echo "  Prometheus:        http://127.0.0.1:9615/metrics   (the pex_ metrics)"
	@echo "  build stats:       curl -s -H 'Content-Type: application/json' \\"
	@echo "                       -d '{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"pex_buildStats\",\"params\":[4]}' http://127.0.0.1:9944"
	@echo "  load (other shell): $(CARGO_TARGET_DIR_OR_DEFAULT)/release/pex-bench load --url ws://127.0.0.1:9944 --accounts 100 --tps 200 --duration 60"
	@echo ""
	$(CARGO_TARGET_DIR_OR_DEFAULT)/release/pex-node --dev --tmp

test: deps fmt-check clippy docs unit-tests feature-tests dependency-check
	@echo "make test: all checks passed"

# Debian packages (protoc for litep2p, clang for librocksdb-sys and bindgen) and the WASM target
# the runtime builds for. Installs only what is missing, so a prepared machine pays nothing.
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		sudo=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		echo "installing Debian packages: $$missing"; \
		$$sudo apt-get update -qq; \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing >/dev/null; \
	fi
	@rustup target list --installed | grep -qx '$(WASM_TARGET)' || rustup target add $(WASM_TARGET)

fmt:
	$(FMT) --all

fmt-check:
	$(FMT) --all -- --check

# Lint every target with the features the tests build (so that build scripts, proc macros and
# binaryen, compiled for the host, are shared with the test build: `--all-features` unified them
# differently and built binaryen twice). The code behind `runtime-benchmarks` and `try-runtime`
# is linted by the build that tests it (`feature-tests` below).
# (`SKIP_WASM_BUILD`: lints and docs do not need the runtime's blob; the tests build it.)
clippy:
	SKIP_WASM_BUILD=1 cargo clippy --workspace --all-targets -- -D warnings

# Every public item documented, every intra-doc link resolving.
docs:
	SKIP_WASM_BUILD=1 RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps

# Builds the runtime's WASM blob: target/debug/wbuild/pex-runtime/pex_runtime.wasm
unit-tests:
ifeq ($(NEXTEST),yes)
	cargo nextest run --workspace --no-fail-fast
	cargo test --workspace --doc
else
	cargo test --workspace --no-fail-fast
endif

# The code behind `runtime-benchmarks` and `try-runtime`: both pallets' benchmarks, invariants and
# migrations' checks, and the runtime's migrations through try-runtime (runtime/tests/migration.rs),
# in one native build of the runtime with both features and without the blob (building one with
# them would change it; the workspace's tests build the real one). Its crates are compiled by
# clippy-driver (what `cargo clippy` runs), so that this build is also their lint: a second,
# check-only pass over the whole runtime with these features would cost as much again.
CLIPPY_DRIVER := $(shell rustup which clippy-driver 2>/dev/null || command -v clippy-driver)
FEATURE_TESTS_ENV := SKIP_WASM_BUILD=1 RUSTC_WORKSPACE_WRAPPER=$(CLIPPY_DRIVER) \
	CLIPPY_ARGS=-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__
FEATURE_TESTS := -p pallet-batch-deploy -p pallet-eth-chain-id -p pex-runtime \
	--features pex-runtime/runtime-benchmarks,pex-runtime/try-runtime --lib --test migration

feature-tests:
ifeq ($(NEXTEST),yes)
	$(FEATURE_TESTS_ENV) cargo nextest run $(FEATURE_TESTS) --no-fail-fast
else
	$(FEATURE_TESTS_ENV) cargo test $(FEATURE_TESTS) --no-fail-fast
endif

# One polkadot-sdk release line: no crate of polkadot-sdk may appear in two versions. (`cargo tree
# -d` also lists one version built for host and target both: only distinct versions count.)
dependency-check:
	@dups=$$(cargo tree --workspace -d --depth 0 -e normal,build,dev --prefix none --format '{p}' \
		| grep -E '^(sp|sc|frame|pallet|substrate|polkadot|cumulus|staging)-' | awk '{print $$1, $$2}' \
		| sort -u | awk '{print $$1}' | uniq -d || true); \
	if [ -n "$$dups" ]; then echo "polkadot-sdk crates in two versions:"; echo "$$dups"; exit 1; fi; \
	echo "dependency-check: one version of every polkadot-sdk crate"

# The pex-bench suite: stock sc-block-builder against pex on 1..N threads and a stock import, every
# scenario; writes target/pex-bench/{report.md,results.csv,speedup.svg,block-size.svg}.
bench: deps
	cargo run --release -p pex-bench -- suite

# The criterion benchmark of the schedule step: `partition`, `ConflictDag::new` and `plan`.
bench-schedule:
	cargo bench -p pex-workloads --bench schedule
