//! Running the contestants: the same chain, state and candidates for each, a correctness check
//! first (pex's blocks are the same on every thread count, hold what stock's block holds, and
//! import), then alternating timed repetitions.

use crate::{memory, BenchError};
use codec::Encode;
use indicatif::ProgressBar;
use pex_block_builder::{BuildOptions, BuildStats, ModeledPlan, ParallelBlockBuilder};
use pex_runtime::{Block, UncheckedExtrinsic};
use pex_test_chain::{chain::Chain, scenario::Scenario, stock::StockClient};
use sp_runtime::traits::Block as _;
use std::{
	fmt,
	time::{Duration, Instant},
};

/// Who builds (or imports) the block.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Contestant {
	/// sc-block-builder's sequential `BlockBuilder`: what an operator runs today.
	Stock,
	/// pex-block-builder with this many threads.
	Pex(usize),
	/// A stock node importing the block pex built (`Core_execute_block`), as every other node
	/// of the chain must.
	Import,
}

impl fmt::Display for Contestant {
	fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
		match self {
			Contestant::Stock => write!(f, "stock"),
			Contestant::Pex(threads) => write!(f, "pex/{threads}"),
			Contestant::Import => write!(f, "import"),
		}
	}
}

/// How to measure. Invariant (checked by [`Settings::validate`]): at least one repetition and
/// at least one pex thread count, none zero.
#[derive(Clone, PartialEq, Debug)]
pub struct Settings {
	/// Thread counts pex runs with.
	pub threads: Vec<usize>,
	/// Lanes pex plans its blocks for ([`pex_block_builder::BuildOptions::lanes`]).
	pub lanes: usize,
	/// Timed repetitions per contestant.
	pub repetitions: usize,
	/// Untimed rounds after the check round.
	pub warmup: usize,
	/// Seed of every scenario's extrinsics.
	pub seed: u64,
}

impl Settings {
	/// pex on 1 to `max_threads` threads planning for `max_threads` lanes (the same block on
	/// every thread count), 5 repetitions after one warm-up round, seed 42.
	pub fn new(max_threads: usize) -> Self {
		Self {
			threads: (1..=max_threads.max(1)).collect(),
			lanes: max_threads.max(1),
			repetitions: 5,
			warmup: 1,
			seed: 42,
		}
	}

	/// Refuse settings that measure nothing.
	pub fn validate(&self) -> Result<(), BenchError> {
		if self.repetitions == 0 {
			return Err(BenchError::Parameter("at least one repetition".into()));
		}
		if self.threads.is_empty() || self.threads.contains(&0) {
			return Err(BenchError::Parameter("pex needs at least one thread".into()));
		}
		if self.lanes == 0 {
			return Err(BenchError::Parameter("pex plans for at least one lane".into()));
		}
		Ok(())
	}

	/// Every contestant, in the order of a round: stock, pex by thread count, import.
	pub fn contestants(&self) -> Vec<Contestant> {
		let mut all = vec![Contestant::Stock];
		all.extend(self.threads.iter().map(|&t| Contestant::Pex(t)));
		all.push(Contestant::Import);
		all
	}
}

/// One timed run of one contestant.
#[derive(Clone, Debug)]
pub struct Sample {
	/// Wall time: building the block including its state root, or importing it.
	pub time: Duration,
	/// The process's peak resident memory during the run, in bytes (Linux only).
	pub peak_rss: Option<u64>,
	/// What pex reports about its build (pex contestants only).
	pub stats: Option<BuildStats>,
}

/// The samples of one contestant on one scenario.
#[derive(Clone, Debug)]
pub struct Measurement {
	/// Who.
	pub contestant: Contestant,
	/// The timed runs, at least one.
	pub samples: Vec<Sample>,
}

impl Measurement {
	fn times(&self) -> Vec<Duration> {
		let mut times: Vec<Duration> = self.samples.iter().map(|s| s.time).collect();
		times.sort();
		times
	}

	/// The median time (the mean of the middle two for an even count).
	pub fn median(&self) -> Duration {
		median(&self.times())
	}

	/// The fastest run.
	pub fn min(&self) -> Duration {
		self.times().first().copied().unwrap_or_default()
	}

	/// The slowest run.
	pub fn max(&self) -> Duration {
		self.times().last().copied().unwrap_or_default()
	}

	/// The highest peak resident memory of any run, in bytes.
	pub fn peak_rss(&self) -> Option<u64> {
		self.samples.iter().filter_map(|s| s.peak_rss).max()
	}

	/// pex's stats of the run with the median time (pex contestants only).
	pub fn median_stats(&self) -> Option<&BuildStats> {
		let median = self.median();
		self.samples
			.iter()
			.filter(|s| s.stats.is_some())
			.min_by_key(|s| s.time.abs_diff(median))
			.and_then(|s| s.stats.as_ref())
	}

	/// The median of one phase's time over the runs (pex contestants only).
	pub fn median_phase(&self, phase: impl Fn(&BuildStats) -> Duration) -> Option<Duration> {
		let mut times: Vec<Duration> =
			self.samples.iter().filter_map(|s| s.stats.as_ref()).map(&phase).collect();
		times.sort();
		(!times.is_empty()).then(|| median(&times))
	}
}

fn median(sorted: &[Duration]) -> Duration {
	match sorted.len() {
		0 => Duration::ZERO,
		n if n % 2 == 1 => sorted[n / 2],
		n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
	}
}

/// Everything measured on one scenario.
#[derive(Clone, Debug)]
pub struct ScenarioResult {
	/// The scenario.
	pub scenario: Scenario,
	/// Candidates offered.
	pub candidates: usize,
	/// Extrinsics (other than inherents) in the block, the same for every contestant.
	pub extrinsics: usize,
	/// Encoded size of pex's block, in bytes.
	pub block_bytes: usize,
	/// Per contestant, in [`Settings::contestants`] order.
	pub measurements: Vec<Measurement>,
	/// The weight of the block's extrinsics and what plans for [`MODELED_LANES`] predict for
	/// it (a model over the runtime's weights, not a measurement).
	pub model: Model,
}

/// Lane counts whose plans the harness models for every scenario.
pub const MODELED_LANES: [usize; 4] = [2, 4, 8, 16];

/// What pex's plans predict for a scenario's block, from the runtime's weights.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Model {
	/// The admitted extrinsics' weight (`ref_time`) together.
	pub admitted_weight: u64,
	/// Their longest chain of conflicts, in weight.
	pub critical_path: u64,
	/// One plan per lane count of [`MODELED_LANES`].
	pub plans: Vec<ModeledPlan>,
}

impl Model {
	/// The modeled speed-up over sequential execution on `lanes` lanes, if modeled.
	pub fn speedup(&self, lanes: usize) -> Option<f64> {
		let plan = self.plans.iter().find(|plan| plan.lanes == lanes)?;
		Some(plan.speedup())
	}
}

impl ScenarioResult {
	/// The measurement of `contestant`.
	pub fn get(&self, contestant: Contestant) -> Option<&Measurement> {
		self.measurements.iter().find(|m| m.contestant == contestant)
	}

	/// How many times faster than stock `contestant` is (median over median).
	pub fn speedup(&self, contestant: Contestant) -> Option<f64> {
		let stock = self.get(Contestant::Stock)?.median().as_secs_f64();
		let other = self.get(contestant)?.median().as_secs_f64();
		(other > 0.0).then(|| stock / other)
	}

	/// Extrinsics per second of `contestant` (median time).
	pub fn throughput(&self, contestant: Contestant) -> Option<f64> {
		let time = self.get(contestant)?.median().as_secs_f64();
		(time > 0.0).then(|| self.extrinsics as f64 / time)
	}

	/// Median microseconds per extrinsic of `contestant`.
	pub fn cost_per_extrinsic(&self, contestant: Contestant) -> Option<f64> {
		let time = self.get(contestant)?.median().as_secs_f64();
		(self.extrinsics > 0).then(|| time * 1e6 / self.extrinsics as f64)
	}
}

/// A block built by one contestant, and its time.
struct Run {
	block: Option<Block>,
	sample: Sample,
}

/// The contestants of one scenario, ready to run.
struct Arena<'a> {
	scenario: &'a Scenario,
	chain: &'a Chain,
	client: StockClient,
	candidates: &'a [UncheckedExtrinsic],
	builders: Vec<(usize, ParallelBlockBuilder)>,
	/// The block pex built, which `import` imports.
	pex_block: Option<Block>,
}

impl Arena<'_> {
	fn run(&self, contestant: Contestant) -> Result<Run, BenchError> {
		memory::reset_peak();
		let started = Instant::now();
		let (block, stats) = match contestant {
			Contestant::Stock => {
				let built = self.client.build(self.chain.next_block(), self.candidates)?;
				(Some(built.block), None)
			},
			Contestant::Pex(threads) => {
				let builder = self
					.builders
					.iter()
					.find(|(t, _)| *t == threads)
					.map(|(_, builder)| builder)
					.ok_or_else(|| BenchError::Parameter(format!("no builder for {threads}")))?;
				let built = builder.build(
					self.client.state(),
					crate::next_block(self.chain),
					self.candidates.to_vec(),
				)?;
				(Some(built.block), Some(built.stats))
			},
			Contestant::Import => {
				let block = self.pex_block.as_ref().ok_or_else(|| BenchError::Mismatch {
					scenario: self.scenario.to_string(),
					what: "import before pex built".into(),
				})?;
				self.client.import(block)?;
				(None, None)
			},
		};
		let time = started.elapsed();
		Ok(Run { block, sample: Sample { time, peak_rss: memory::peak(), stats } })
	}

	/// One untimed build that models plans for [`MODELED_LANES`].
	fn model(&self) -> Result<Model, BenchError> {
		let options = BuildOptions {
			threads: 1,
			model_lanes: MODELED_LANES.to_vec(),
			..BuildOptions::default()
		};
		let builder = ParallelBlockBuilder::with_runtime(crate::runtime(), options)?;
		let built = builder.build(
			self.client.state(),
			crate::next_block(self.chain),
			self.candidates.to_vec(),
		)?;
		let stats = built.stats;
		Ok(Model {
			admitted_weight: stats.admitted_weight,
			critical_path: stats.critical_path,
			plans: stats.modeled,
		})
	}

	/// The untimed first round: every contestant once, and the harness's own correctness
	/// checks. Returns pex's block and its extrinsic count.
	fn check(&mut self, contestants: &[Contestant]) -> Result<(Block, usize), BenchError> {
		let mismatch =
			|what: String| BenchError::Mismatch { scenario: self.scenario.to_string(), what };
		let stock = self.client.build(self.chain.next_block(), self.candidates)?;
		let mut pex: Option<(Contestant, Block, usize)> = None;
		for &contestant in contestants.iter().filter(|c| matches!(c, Contestant::Pex(_))) {
			let run = self.run(contestant)?;
			let (Some(block), Some(stats)) = (run.block, run.sample.stats) else {
				return Err(mismatch(format!("{contestant} returned no block")));
			};
			match &pex {
				None => pex = Some((contestant, block, stats.extrinsics)),
				Some((first, reference, _)) if *reference != block =>
					return Err(mismatch(format!("{contestant} built another block than {first}"))),
				Some(_) => {},
			}
		}
		let (_, block, extrinsics) =
			pex.ok_or_else(|| mismatch("no pex contestant".to_string()))?;
		if extrinsics != stock.extrinsics {
			return Err(mismatch(format!(
				"pex's block holds {extrinsics} extrinsics, stock's {}",
				stock.extrinsics
			)));
		}
		// Same extrinsics, possibly in another order (pex orders by group).
		let sorted = |block: &Block| {
			let mut encoded: Vec<Vec<u8>> = block.extrinsics().iter().map(|x| x.encode()).collect();
			encoded.sort();
			encoded
		};
		if sorted(&block) != sorted(&stock.block) {
			return Err(mismatch("pex's block holds other extrinsics than stock's".into()));
		}
		self.client.import(&block)?;
		Ok((block, extrinsics))
	}
}

/// Measure every contestant of `settings` on `scenario`'s `candidates` over `chain`: the check
/// round, `settings.warmup` untimed rounds, then `settings.repetitions` timed rounds,
/// alternating the contestants' order from round to round. `progress` advances once per run.
pub fn measure(
	scenario: &Scenario,
	chain: &Chain,
	candidates: &[UncheckedExtrinsic],
	settings: &Settings,
	progress: &ProgressBar,
) -> Result<ScenarioResult, BenchError> {
	settings.validate()?;
	let contestants = settings.contestants();
	let builders = settings
		.threads
		.iter()
		.map(|&threads| {
			let lanes = settings.lanes;
			let options = BuildOptions { threads, lanes, ..BuildOptions::default() };
			Ok((threads, ParallelBlockBuilder::with_runtime(crate::runtime(), options)?))
		})
		.collect::<Result<Vec<_>, BenchError>>()?;
	let mut arena = Arena {
		scenario,
		chain,
		client: StockClient::new(chain),
		candidates,
		builders,
		pex_block: None,
	};
	progress.set_message(format!("{scenario}: checking"));
	let (block, extrinsics) = arena.check(&contestants)?;
	let model = arena.model()?;
	let block_bytes = block.encoded_size();
	arena.pex_block = Some(block);
	progress.inc(contestants.len() as u64);

	let mut measurements: Vec<Measurement> = contestants
		.iter()
		.map(|&c| Measurement { contestant: c, samples: Vec::new() })
		.collect();
	let rounds = settings.warmup + settings.repetitions;
	for round in 0..rounds {
		let timed = round >= settings.warmup;
		progress.set_message(format!(
			"{scenario}: {} {}/{}",
			if timed { "repetition" } else { "warm-up" },
			if timed { round - settings.warmup + 1 } else { round + 1 },
			if timed { settings.repetitions } else { settings.warmup },
		));
		// Alternate the order so that drift (heat, caches) does not favour one contestant.
		let order: Vec<usize> = if round % 2 == 0 {
			(0..contestants.len()).collect()
		} else {
			(0..contestants.len()).rev().collect()
		};
		for index in order {
			let run = arena.run(contestants[index])?;
			if timed {
				measurements[index].samples.push(run.sample);
			}
			progress.inc(1);
		}
	}
	Ok(ScenarioResult {
		scenario: scenario.clone(),
		candidates: candidates.len(),
		extrinsics,
		block_bytes,
		measurements,
		model,
	})
}

/// Runs [`measure`] makes of a scenario: used to size a progress bar.
pub fn runs(settings: &Settings) -> u64 {
	let contestants = settings.contestants().len();
	(contestants * (1 + settings.warmup + settings.repetitions)) as u64
}
