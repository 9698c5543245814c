//! `suite`: every scenario with its defaults, the Block-STM grid and the block-size sweep, and
//! the goals pex is held to.

use crate::{
	measure::{self, Contestant, ScenarioResult, Settings},
	BenchError,
};
use indicatif::ProgressBar;
use pex_test_chain::{chain::Chain, scenario::Scenario};

/// What the suite runs. Invariant: every scenario it lists passes [`Scenario::validate`].
#[derive(Clone, PartialEq, Debug)]
pub struct SuiteConfig {
	/// Accounts of the `transfers` grid.
	pub grid_accounts: Vec<u32>,
	/// Transfers per block in the grid.
	pub grid_txs: u32,
	/// The `zipf` scenario.
	pub zipf: Scenario,
	/// The `all-conflict` scenario.
	pub all_conflict: Scenario,
	/// The `deploy` scenario.
	pub deploy: Scenario,
	/// The `undeclared` scenario.
	pub undeclared: Scenario,
	/// Transfers at contention between the grid's rows: more transfers than accounts (one
	/// giant conflict component, a shallow DAG).
	pub contended: Scenario,
	/// Block sizes of the sweep (transfers per block).
	pub sweep_txs: Vec<u32>,
	/// Accounts of the sweep: one chain for every size, four accounts per transfer of the
	/// biggest block, so conflicts stay rare at every size.
	pub sweep_accounts: u32,
}

impl SuiteConfig {
	/// The full suite: the grid at 1,000 transfers, Zipf(1.0) and all-conflict at 1,000, 10
	/// suite deployments among 1,000 transfers, 200 undeclared extrinsics, 5,000 transfers among
	/// 3,000 accounts, and blocks of 1k, 5k, 10k and 20k transfers.
	pub fn full() -> Self {
		Self {
			grid_accounts: vec![2, 10, 100, 1_000, 10_000],
			grid_txs: 1_000,
			zipf: Scenario::Zipf { exponent: 1.0, accounts: 10_000, txs: 1_000 },
			all_conflict: Scenario::AllConflict { txs: 1_000 },
			deploy: Scenario::Deploy { deploys: 10, transfers: 1_000 },
			undeclared: Scenario::Undeclared { calls: 200 },
			contended: Scenario::Transfers { accounts: 3_000, txs: 5_000 },
			sweep_txs: vec![1_000, 5_000, 10_000, 20_000],
			sweep_accounts: 80_000,
		}
	}

	/// A tiny configuration of every scenario, for the test suite: it checks the harness, not
	/// the speed.
	pub fn smoke() -> Self {
		Self {
			grid_accounts: vec![2, 100],
			grid_txs: 40,
			zipf: Scenario::Zipf { exponent: 1.0, accounts: 100, txs: 40 },
			all_conflict: Scenario::AllConflict { txs: 20 },
			deploy: Scenario::Deploy { deploys: 2, transfers: 20 },
			undeclared: Scenario::Undeclared { calls: 16 },
			contended: Scenario::Transfers { accounts: 30, txs: 50 },
			sweep_txs: vec![20, 40],
			sweep_accounts: 160,
		}
	}

	/// Every scenario, with the part of the report it belongs to.
	pub fn scenarios(&self) -> Vec<(Part, Scenario)> {
		let mut all: Vec<(Part, Scenario)> = self
			.grid_accounts
			.iter()
			.map(|&accounts| (Part::Grid, Scenario::Transfers { accounts, txs: self.grid_txs }))
			.collect();
		for scenario in
			[&self.zipf, &self.all_conflict, &self.deploy, &self.undeclared, &self.contended]
		{
			all.push((Part::Scenario, scenario.clone()));
		}
		all.extend(
			self.sweep_txs.iter().map(|&txs| {
				(Part::Sweep, Scenario::Transfers { accounts: self.sweep_accounts, txs })
			}),
		);
		all
	}
}

/// Where a scenario's result goes in the report.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Part {
	/// The `transfers` grid over account counts (the speed-up chart).
	Grid,
	/// One of `zipf`, `all-conflict`, `deploy`, `undeclared`.
	Scenario,
	/// The block-size sweep (the cost chart).
	Sweep,
}

/// A result with its part of the report.
#[derive(Clone, Debug)]
pub struct SuiteResult {
	/// Which part.
	pub part: Part,
	/// The measurements.
	pub result: ScenarioResult,
}

/// Run the whole suite; the sweep shares one chain. `progress` is sized here.
pub fn run(
	config: &SuiteConfig,
	settings: &Settings,
	progress: &ProgressBar,
) -> Result<Vec<SuiteResult>, BenchError> {
	let scenarios = config.scenarios();
	for (_, scenario) in &scenarios {
		scenario.validate()?;
	}
	progress.set_length(scenarios.len() as u64 * measure::runs(settings));
	let mut sweep_chain: Option<Chain> = None;
	let mut results = Vec::new();
	for (part, scenario) in scenarios {
		progress.set_message(format!("{scenario}: preparing"));
		let own_chain;
		let chain = if part == Part::Sweep {
			match &mut sweep_chain {
				Some(chain) => &*chain,
				slot @ None => &*slot.insert(scenario.chain()?),
			}
		} else {
			own_chain = scenario.chain()?;
			&own_chain
		};
		let candidates = scenario.extrinsics(chain, settings.seed)?;
		let result = measure::measure(&scenario, chain, &candidates, settings, progress)?;
		results.push(SuiteResult { part, result });
	}
	Ok(results)
}

/// A goal of the issue and whether the suite met it.
#[derive(Clone, Debug)]
pub struct Goal {
	/// What is asked.
	pub name: String,
	/// What was measured, in words.
	pub measured: String,
	/// Whether it holds; `None` when the suite did not measure it.
	pub met: Option<bool>,
}

/// A row of \[P8\]'s goals: a scenario, and what pex with the most threads must reach against
/// stock and against pex on one thread.
struct GoalRow {
	name: &'static str,
	scenario: fn(&Scenario) -> bool,
	vs_stock: f64,
	vs_one_thread: f64,
}

/// \[P8\]'s table, on this machine kind (2 cores).
const GOAL_ROWS: [GoalRow; 7] = [
	GoalRow {
		name: "transfers, 100 accounts",
		scenario: |s| matches!(s, Scenario::Transfers { accounts: 100, .. }),
		vs_stock: 2.2,
		vs_one_thread: 1.7,
	},
	GoalRow {
		name: "transfers, 1,000 accounts",
		scenario: |s| matches!(s, Scenario::Transfers { accounts: 1_000, .. }),
		vs_stock: 2.3,
		vs_one_thread: 1.8,
	},
	GoalRow {
		name: "transfers, 3,000 accounts, 5,000 txs",
		scenario: |s| matches!(s, Scenario::Transfers { accounts: 3_000, txs: 5_000 }),
		vs_stock: 2.3,
		vs_one_thread: 1.8,
	},
	GoalRow {
		name: "zipf s = 1.0",
		scenario: |s| matches!(s, Scenario::Zipf { exponent, .. } if *exponent == 1.0),
		vs_stock: 2.0,
		vs_one_thread: 1.5,
	},
	GoalRow {
		name: "transfers, 10,000 accounts",
		scenario: |s| matches!(s, Scenario::Transfers { accounts: 10_000, .. }),
		vs_stock: 2.3,
		vs_one_thread: 1.8,
	},
	GoalRow {
		name: "all-conflict",
		scenario: |s| matches!(s, Scenario::AllConflict { .. }),
		vs_stock: 1.3,
		vs_one_thread: 0.97,
	},
	GoalRow {
		name: "undeclared",
		scenario: |s| matches!(s, Scenario::Undeclared { .. }),
		vs_stock: 1.3,
		vs_one_thread: 1.0,
	},
];

/// \[P8\]'s goals, two per row of its table (against stock, against pex on one thread), judged
/// on pex with the most threads of `settings`; `None` where the suite did not measure a row (or
/// did not run pex on one thread).
pub fn goals(results: &[SuiteResult], settings: &Settings) -> Vec<Goal> {
	let threads = settings.threads.iter().copied().max().unwrap_or(1);
	let (pex, one) = (Contestant::Pex(threads), Contestant::Pex(1));
	let goal = |name: String, ratio: Option<f64>, target: f64| Goal {
		name,
		measured: ratio.map_or("not measured".into(), |r| format!("{r:.2}x")),
		met: ratio.map(|r| r >= target),
	};
	let mut goals = Vec::new();
	for row in &GOAL_ROWS {
		let result = results.iter().map(|r| &r.result).find(|r| (row.scenario)(&r.scenario));
		let vs_stock = result.and_then(|r| r.speedup(pex));
		let vs_one = result.and_then(|r| Some(r.speedup(pex)? / r.speedup(one)?));
		goals.push(goal(
			format!("{}: {pex} at least {}x stock", row.name, row.vs_stock),
			vs_stock,
			row.vs_stock,
		));
		goals.push(goal(
			format!("{}: {pex} at least {}x {one}", row.name, row.vs_one_thread),
			vs_one,
			row.vs_one_thread,
		));
	}
	goals
}
