#!/usr/bin/env bash
# The deployment table of [P7]: wall time and blocks used to deploy 5, 10 and 20 independent
# contracts and the 3-contract dependent suite (Token; Factory(Token); Router(Token, Factory)) on a
# `pex-node --dev` (6 s slots), by `pex-deploy run --sequential` (one contract per extrinsic, each
# after the previous is in a block), `--pipelined` (one per extrinsic, all at once) and as a batch.
# Each suite is measured REPS times, the three ways alternating, each time with fresh salts; the
# medians go to a Markdown table. Time is the report's `total_time`: first extrinsic sent until the
# last finalized.
#
#   benchmarking/deploy/table.sh TARGET_DIR OUT_DIR [REPS]
#
# TARGET_DIR holds release (or debug) builds of pex-node and pex-deploy; OUT_DIR gets the raw
# reports (one JSON per run), runs.csv and table.md. The node runs on free loopback ports in a
# temporary base path, stopped by its PID and removed at the end.
set -euo pipefail

bin=${1:?TARGET_DIR with pex-node and pex-deploy}
out=${2:?OUT_DIR}
reps=${3:-3}
here=$(cd "$(dirname "$0")" && pwd)
fixtures=$here/../../tools/deploy/fixtures/suite
mkdir -p "$out"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rpc=$(free_port); prom=$(free_port)
base=$(mktemp -d)
"$bin/pex-node" --dev --base-path "$base" --rpc-port "$rpc" --prometheus-port "$prom" \
	--listen-addr /ip4/127.0.0.1/tcp/0 --no-telemetry --no-mdns >"$out/node.log" 2>&1 &
node=$!
trap 'kill -INT $node 2>/dev/null; wait $node 2>/dev/null; rm -rf "$base"' EXIT
for _ in $(seq 120); do
	python3 -c "import socket; socket.create_connection(('127.0.0.1', $rpc), 1)" 2>/dev/null && break
	sleep 0.5
done
sleep 13 # the first blocks

# manifest SUITE SALT FILE: SUITE is a number of independent Tokens or `dependent`.
manifest() {
	python3 - "$fixtures/solc-output.json" "$1" "$2" "$3" <<'PY'
import json, sys
output, suite, salt, path = sys.argv[1:]
contracts = {}
for source in json.load(open(output))["contracts"].values():
    for name, c in source.items():
        contracts[name] = {"bytecode": "0x" + c["evm"]["bytecode"]["object"], "abi": c["abi"]}
salt = salt * 32
if suite == "dependent":
    entries = [{"contract_name": n, "compiled_contract": contracts[n], "salt": salt}
               for n in ["Router", "Factory", "Token"]]
    entries[2]["constructor_args"] = {"name_": "PEX", "supply": "1000000"}
else:
    entries = [{"contract_name": f"Token{i}", "compiled_contract": contracts["Token"], "salt": salt,
                "constructor_args": {"name_": f"T{i}", "supply": "1000000"}}
               for i in range(int(suite))]
json.dump({"contracts": entries}, open(path, "w"))
PY
}

echo "rep,suite,strategy,total_time,blocks_used,extrinsics,success" >"$out/runs.csv"
run=0
for rep in $(seq "$reps"); do
	for suite in 5 10 20 dependent; do
		strategies=(sequential pipelined batch)
		# Alternate the order from one repetition to the next.
		((rep % 2 == 0)) && strategies=(batch pipelined sequential)
		for strategy in "${strategies[@]}"; do
			run=$((run + 1))
			salt=$(printf '%02x' "$run")
			manifest "$suite" "$salt" "$out/manifest-$run.json"
			flag=()
			[[ $strategy != batch ]] && flag=("--$strategy")
			"$bin/pex-deploy" run "$out/manifest-$run.json" --url "ws://127.0.0.1:$rpc" \
				--suri //Alice "${flag[@]}" --report "$out/report-$run.json" >/dev/null
			python3 - "$out/report-$run.json" "$rep" "$suite" "$strategy" >>"$out/runs.csv" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]},{sys.argv[3]},{sys.argv[4]},{r['total_time']:.2f},{r['blocks_used']},{r['batches_deployed']},{r['success']}")
PY
			rm "$out/manifest-$run.json"
			tail -1 "$out/runs.csv"
		done
	done
done

python3 - "$out/runs.csv" >"$out/table.md" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert all(r["success"] == "True" for r in rows), "a run failed"
suites = ["5", "10", "20", "dependent"]
names = {"5": "5 independent", "10": "10 independent", "20": "20 independent", "dependent": "3 dependent (Token; Factory; Router)"}
print("| suite | sequential: s (blocks) | pipelined: s (blocks) | batch: s (blocks, extrinsics) | batch vs sequential |")
print("|---|---|---|---|---|")
for s in suites:
    cell = {}
    for strategy in ["sequential", "pipelined", "batch"]:
        runs = [r for r in rows if r["suite"] == s and r["strategy"] == strategy]
        cell[strategy] = (statistics.median(float(r["total_time"]) for r in runs),
                          statistics.median(int(r["blocks_used"]) for r in runs),
                          statistics.median(int(r["extrinsics"]) for r in runs), len(runs))
    seq, pip, bat = cell["sequential"], cell["pipelined"], cell["batch"]
    print(f"| {names[s]} | {seq[0]:.1f} ({seq[1]:g}) | {pip[0]:.1f} ({pip[1]:g}) | {bat[0]:.1f} ({bat[1]:g}, {bat[2]:g}) | {seq[0] / bat[0]:.2f}x |")
print()
print(f"Medians of {cell['batch'][3]} alternating repetitions each.")
PY
cat "$out/table.md"
