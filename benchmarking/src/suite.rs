//! `suite`: every scenario with its defaults, the Block-STM grid and the block-size sweep, and
//! the goals pex is held to.

use crate::{
	chain::Chain,
	measure::{self, Contestant, ScenarioResult, Settings},
	scenario::Scenario,
	BenchError,
};
use indicatif::ProgressBar;

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
	/// Block sizes of the sweep (transfers per block).
	pub sweep_txs: Vec<u32>,
	/// Accounts of the sweep: one chain for every size, four accounts per transfer of the
	/// biggest block, so conflicts stay rare at every size.
	pub sweep_accounts: u32,
}

impl SuiteConfig {
	/// The full suite: the grid at 1,000 transfers, Zipf(1.0) and all-conflict at 1,000, 10
	/// suite deployments among 1,000 transfers, 200 undeclared extrinsics, and blocks of 1k, 5k,
	/// 10k and 20k transfers.
	pub fn full() -> Self {
		Self {
			grid_accounts: vec![2, 10, 100, 1_000, 10_000],
			grid_txs: 1_000,
			zipf: Scenario::Zipf { exponent: 1.0, accounts: 10_000, txs: 1_000 },
			all_conflict: Scenario::AllConflict { txs: 1_000 },
			deploy: Scenario::Deploy { deploys: 10, transfers: 1_000 },
			undeclared: Scenario::Undeclared { calls: 200 },
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
		for scenario in [&self.zipf, &self.all_conflict, &self.deploy, &self.undeclared] {
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

/// The four goals, judged on pex with the most threads of `settings`.
pub fn goals(results: &[SuiteResult], settings: &Settings) -> Vec<Goal> {
	let threads = settings.threads.iter().copied().max().unwrap_or(1);
	let pex = Contestant::Pex(threads);
	let find = |wanted: &dyn Fn(&Scenario) -> bool| {
		results.iter().map(|r| &r.result).find(|r| wanted(&r.scenario))
	};
	let speedup_goal = |name: String, result: Option<&ScenarioResult>, target: f64| {
		let speedup = result.and_then(|r| r.speedup(pex));
		Goal {
			name,
			measured: speedup.map_or("not measured".into(), |s| format!("{s:.2}x")),
			met: speedup.map(|s| s >= target),
		}
	};
	let mut goals = vec![
		speedup_goal(
			format!("transfers, 10,000 accounts: {pex} at least 1.8x stock"),
			find(&|s| matches!(s, Scenario::Transfers { accounts: 10_000, .. })),
			1.8,
		),
		speedup_goal(
			format!("all-conflict: {pex} at least 0.95x stock"),
			find(&|s| matches!(s, Scenario::AllConflict { .. })),
			0.95,
		),
	];
	let rollback = find(&|s| matches!(s, Scenario::Zipf { exponent, .. } if *exponent == 1.0))
		.and_then(|r| r.get(pex))
		.and_then(|m| m.median_stats())
		.map(|s| s.rollback_rate());
	goals.push(Goal {
		name: format!("zipf --exponent 1.0: rollback rate of {pex} under 5 %"),
		measured: rollback.map_or("not measured".into(), |r| format!("{:.2} %", r * 100.0)),
		met: rollback.map(|r| r < 0.05),
	});
	let costs: Vec<(usize, f64)> = results
		.iter()
		.filter(|r| r.part == Part::Sweep)
		.filter_map(|r| Some((r.result.extrinsics, r.result.cost_per_extrinsic(pex)?)))
		.collect();
	let (low, high) = costs
		.iter()
		.fold((f64::INFINITY, 0.0f64), |(lo, hi), &(_, c)| (lo.min(c), hi.max(c)));
	let spread = (costs.len() >= 2).then(|| high / low - 1.0);
	goals.push(Goal {
		name: format!("cost per extrinsic of {pex} flat (within 20 %) over the block-size sweep"),
		measured: match spread {
			Some(spread) => format!(
				"{} µs per extrinsic; highest {:.1} % above lowest",
				costs.iter().map(|(n, c)| format!("{n}: {c:.1}")).collect::<Vec<_>>().join(", "),
				spread * 100.0
			),
			None => "not measured".into(),
		},
		met: spread.map(|s| s <= 0.2),
	});
	goals
}
