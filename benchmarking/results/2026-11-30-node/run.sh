#!/usr/bin/env bash
# Transfers finalized per second on a `pex-node --dev` chain, `--parallel-exec on` against `off`,
# alternating, each run on a fresh chain (release builds of pex-node and pex-bench).
#   bash benchmarking/results/2026-11-30-node/run.sh [REPS] [TPS] [SECONDS] [ACCOUNTS]
set -euo pipefail
target="${CARGO_TARGET_DIR:-target}/release"
reps="${1:-2}" tps="${2:-300}" seconds="${3:-60}" accounts="${4:-100}"
out="$(dirname "$0")"
for rep in $(seq 1 "$reps"); do
	for mode in on off; do
		log="$out/node-$mode-$rep.log"
		"$target/pex-node" --dev --tmp --rpc-port 19944 --prometheus-port 19615 \
			--listen-addr /ip4/127.0.0.1/tcp/30777 --no-mdns --no-telemetry \
			--parallel-exec "$mode" >"$log" 2>&1 &
		node=$!
		for _ in $(seq 1 120); do
			(exec 3<>/dev/tcp/127.0.0.1/19944) 2>/dev/null && break
			sleep 0.5
		done
		"$target/pex-bench" load --url ws://127.0.0.1:19944 --accounts "$accounts" --tps "$tps" \
			--duration "$seconds" --seed "$rep" | tee "$out/load-$mode-$rep.md"
		kill -INT "$node"
		wait "$node" || true
		gzip -f "$log"
	done
done
