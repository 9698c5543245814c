# pex: the two commands of the README, and what they are made of. `.ci/run` calls `make test`.
#
#   make run    install what is missing, build, run the main job (today: the pex-bench demo)
#   make test   install what is missing, then fmt, clippy, rustdoc, the test suite, the no_std
#               WASM check and the one-release-line dependency check: exactly what CI runs

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

APT_PACKAGES := protobuf-compiler clang libclang-dev
WASM_TARGET := wasm32v1-none
# polkadot-sdk's rustfmt options are partly nightly-only: use nightly when the machine has it.
FMT := $(shell rustup toolchain list 2>/dev/null | grep -q '^nightly' && echo 'cargo +nightly fmt' || echo 'cargo fmt')
NEXTEST := $(shell cargo nextest --version >/dev/null 2>&1 && echo yes)

.PHONY: run test deps fmt fmt-check clippy docs unit-tests wasm-check dependency-check bench

run: deps
	cargo run --release -p pex-bench -- partition

test: deps fmt-check clippy docs unit-tests wasm-check dependency-check
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

# Lint with every feature on (benchmarks, try-runtime), so that code is checked too.
clippy:
	cargo clippy --workspace --all-targets --all-features -- -D warnings

# Every public item documented, every intra-doc link resolving.
docs:
	RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps

# With `runtime-benchmarks`, so each pallet's benchmarks run as tests against its mock too.
TEST_FEATURES := --features pallet-batch-deploy/runtime-benchmarks

unit-tests:
ifeq ($(NEXTEST),yes)
	cargo nextest run --workspace $(TEST_FEATURES) --no-fail-fast
	cargo test --workspace $(TEST_FEATURES) --doc
else
	cargo test --workspace $(TEST_FEATURES) --no-fail-fast
endif

# The primitives and the pallet are no_std: prove it by building them as a runtime build does
# (substrate-wasm-builder sets `--cfg substrate_runtime`, which selects sp-io's runtime side).
wasm-check:
	RUSTFLAGS="--cfg substrate_runtime" cargo build -p pex-primitives -p pallet-batch-deploy \
		--no-default-features \
		--target $(WASM_TARGET)

# One polkadot-sdk release line: no crate of polkadot-sdk may appear in two versions.
dependency-check:
	@dups=$$(cargo tree --workspace -d --depth 0 -e normal,build,dev --prefix none --format '{p}' \
		| grep -E '^(sp|sc|frame|pallet|substrate|polkadot|cumulus|staging)-' | sort -u || true); \
	if [ -n "$$dups" ]; then echo "polkadot-sdk crates in two versions:"; echo "$$dups"; exit 1; fi; \
	echo "dependency-check: one version of every polkadot-sdk crate"

bench:
	cargo bench -p pex-bench --bench partition
