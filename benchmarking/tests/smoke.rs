//! A tiny configuration of every scenario through the harness: the contestants agree, the
//! report, CSV and charts are written, the command line works. Correctness of the harness only;
//! no timing is asserted.

use codec::Encode;
use pex_bench::{
	measure::{Contestant, Settings},
	report::{self, Machine},
	suite::{self, Part, SuiteConfig},
};
use pex_test_chain::{chain::Chain, scenario::Scenario};
use sp_runtime::generic::Preamble;
use std::{process::Command, time::Duration};

fn smoke_settings() -> Settings {
	Settings { threads: vec![1, 2], repetitions: 2, warmup: 0, seed: 7, ..Settings::new(2) }
}

#[test]
fn the_smoke_suite_measures_every_scenario_and_writes_the_report() {
	let config = SuiteConfig::smoke();
	let settings = smoke_settings();
	let results =
		suite::run(&config, &settings, &indicatif::ProgressBar::hidden()).expect("the suite runs");
	assert_eq!(results.len(), config.scenarios().len());
	for kind in ["transfers", "zipf", "all-conflict", "deploy", "undeclared"] {
		assert!(results.iter().any(|r| r.result.scenario.kind() == kind), "{kind} ran");
	}
	for r in &results {
		let result = &r.result;
		// Everything offered fits the benchmark chain's blocks.
		assert_eq!(result.extrinsics, result.candidates, "{}", result.scenario);
		let contestants: Vec<Contestant> =
			result.measurements.iter().map(|m| m.contestant).collect();
		assert_eq!(contestants, settings.contestants());
		for m in &result.measurements {
			assert_eq!(m.samples.len(), 2, "{} {}", result.scenario, m.contestant);
			assert!(m.min() <= m.median() && m.median() <= m.max());
			let is_pex = matches!(m.contestant, Contestant::Pex(_));
			assert_eq!(m.median_stats().is_some(), is_pex);
			if let Some(stats) = m.median_stats() {
				assert_eq!(stats.extrinsics, result.extrinsics);
			}
		}
		assert!(result.speedup(Contestant::Pex(2)).is_some_and(|s| s > 0.0));
	}
	// The undeclared calls: on 2 threads chunks ran in parallel and were kept or ran again (a
	// phase of one chunk runs on the merged state directly; whether a lie is caught depends on the
	// plan: a barrier between two liars makes the later one read the merged state; the builder's
	// contract tests force rejections); on 1 thread nothing ran in parallel (the sequential path).
	let undeclared = results
		.iter()
		.find(|r| matches!(r.result.scenario, Scenario::Undeclared { .. }))
		.expect("undeclared ran");
	let stats = |threads| {
		undeclared
			.result
			.get(Contestant::Pex(threads))
			.and_then(|m| m.median_stats())
			.cloned()
			.expect("pex ran")
	};
	let two = stats(2);
	assert!(two.parallel_extrinsics > 0 && two.chunks > 1, "{two:?}");
	assert!(two.parallel_extrinsics + two.reexecuted_extrinsics <= two.extrinsics, "{two:?}");
	let one = stats(1);
	assert_eq!((one.parallel_extrinsics, one.reexecuted_chunks), (0, 0), "{one:?}");
	// All-conflict is one group.
	let all_conflict = results
		.iter()
		.find(|r| matches!(r.result.scenario, Scenario::AllConflict { .. }))
		.and_then(|r| r.result.get(Contestant::Pex(2))?.median_stats().cloned())
		.expect("all-conflict ran");
	assert_eq!(all_conflict.groups, 1);

	let goals = suite::goals(&results, &settings);
	assert_eq!(goals.len(), 14, "two goals per row of [P8]'s table");
	// The smoke suite has rows for 100 accounts, Zipf, all-conflict and undeclared, and none
	// for 1,000, 3,000 (5,000 transfers) or 10,000 accounts: those are not measured.
	let measured: Vec<bool> = goals.iter().map(|g| g.met.is_some()).collect();
	let rows = [true, false, false, true, false, true, true];
	let expected: Vec<bool> = rows.iter().flat_map(|&row| [row, row]).collect();
	assert_eq!(measured, expected, "{goals:?}");

	let dir = std::env::temp_dir().join(format!("pex-bench-smoke-{}", std::process::id()));
	report::write(&dir, &results, &goals, &settings, &Machine::detect(), Duration::from_secs(1))
		.expect("the report is written");
	let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect(name);
	let markdown = read("report.md");
	assert!(markdown.contains("## Goals") && markdown.contains("| pex/2 |"));
	for (_, scenario) in config.scenarios() {
		assert!(markdown.contains(&format!("`{scenario}`")), "{scenario} in the report");
	}
	let csv = read("results.csv");
	assert_eq!(csv.lines().count(), 1 + results.len() * settings.contestants().len());
	let columns = |line: &str| line.split(',').count();
	let header = csv.lines().next().map(columns);
	assert!(csv.lines().all(|line| Some(columns(line)) == header), "every row has every column");
	let speedup = read("speedup.svg");
	assert_eq!(speedup.matches("<polyline").count(), settings.threads.len());
	let sweep = results.iter().filter(|r| r.part == Part::Sweep).count();
	let sizes = read("block-size.svg");
	assert_eq!(sizes.matches("<polyline").count(), settings.contestants().len());
	assert_eq!(sizes.matches("<circle").count(), sweep * settings.contestants().len());
	std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn the_command_line_runs_a_scenario_and_refuses_bad_parameters() {
	let bench = env!("CARGO_BIN_EXE_pex-bench");
	let output = Command::new(bench)
		.args(["all-conflict", "--txs", "8", "--threads", "2", "--reps", "1", "--warmup", "0"])
		.env("CI", "true")
		.output()
		.expect("pex-bench runs");
	let stdout = String::from_utf8_lossy(&output.stdout);
	assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
	assert!(stdout.contains("`all-conflict --txs 8`: 8 candidates, 8 extrinsics"), "{stdout}");
	for row in ["| stock |", "| pex/1 |", "| pex/2 |", "| import |"] {
		assert!(stdout.contains(row), "{row} in {stdout}");
	}

	let refused = Command::new(bench)
		.args(["transfers", "--accounts", "1"])
		.output()
		.expect("pex-bench runs");
	assert_eq!(refused.status.code(), Some(1));
	let stderr = String::from_utf8_lossy(&refused.stderr);
	assert!(stderr.contains("a transfer needs two accounts"), "{stderr}");
}

#[test]
fn a_scenario_is_a_function_of_its_parameters_and_seed() {
	let scenarios = [
		Scenario::Transfers { accounts: 10, txs: 12 },
		Scenario::Zipf { exponent: 1.0, accounts: 10, txs: 12 },
		Scenario::Deploy { deploys: 2, transfers: 6 },
	];
	for scenario in scenarios {
		let chain = Chain::new(scenario.accounts());
		// sr25519 signatures are randomized: compare what was signed, by whom, with what.
		let extrinsics = |seed| -> Vec<Vec<u8>> {
			let signed = scenario.extrinsics(&chain, seed).expect("extrinsics");
			signed
				.iter()
				.map(|xt| match &xt.0.preamble {
					Preamble::Signed(address, _, extension) =>
						(address, extension, &xt.0.function).encode(),
					_ => panic!("every scenario extrinsic is signed"),
				})
				.collect()
		};
		assert_eq!(extrinsics(1), extrinsics(1), "{scenario}");
		assert_ne!(extrinsics(1), extrinsics(2), "{scenario}: the seed matters");
		assert_eq!(extrinsics(1).len(), scenario.candidates() as usize);
	}
	// A chain too small for the scenario is refused, not indexed out of bounds.
	let small = Chain::new(3);
	let refused = Scenario::Transfers { accounts: 10, txs: 5 }.extrinsics(&small, 1);
	assert!(matches!(refused, Err(pex_test_chain::Error::Scenario(_))), "{refused:?}");
}

#[test]
fn the_doomed_scenario_fills_the_block_as_stock_does_through_refill_rounds() {
	// 100 ms blocks hold 98 transfers: 150 doomed transfers take more than a block's capacity
	// in admission, and refill rounds must give it to the 150 valid ones behind them.
	let scenario = Scenario::Doomed { doomed: 150, valid: 150, block_ms: 100 };
	let chain = scenario.chain().expect("a chain");
	let candidates = scenario.extrinsics(&chain, 1).expect("extrinsics");
	assert_eq!(candidates.len(), 300);
	let settings = smoke_settings();
	let hidden = indicatif::ProgressBar::hidden();
	// The check round fails the run if pex's block holds other extrinsics than stock's.
	let result = pex_bench::measure::measure(&scenario, &chain, &candidates, &settings, &hidden)
		.expect("pex and stock agree");
	assert_eq!(result.extrinsics, 98);
	for threads in [1, 2] {
		let stats = result.get(Contestant::Pex(threads)).and_then(|m| m.median_stats());
		let stats = stats.expect("pex's stats");
		assert!(stats.refill_rounds >= 2, "{threads} threads: {stats:?}");
		assert_eq!(stats.refilled_extrinsics, 98);
	}
}
