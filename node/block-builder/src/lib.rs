//! # pex block builder
//!
//! Builds a block by executing non-conflicting chunks of extrinsics in parallel, through the
//! runtime's WASM code, and produces the block a sequential node imports with the same state
//! root. The six steps of the pex architecture, and a seventh, each with the file it lives in:
//!
//! 1. **Base** (`lib.rs`, `finish_base`). `Core_initialize_block`, the inherents, and the
//!    post-inherent step (`ParallelExecutionApi::inherents_applied`), sequentially, into one
//!    overlay.
//! 2. **Admission** (`admission.rs`). The runtime describes every candidate (access set, weight,
//!    class, length) in calls of bounded size; a candidate it cannot describe alone is left out as
//!    malformed, only it. Candidates are admitted in pool order while their weight and length fit
//!    what the runtime says is left of the block (`ParallelExecutionApi::block_capacity`): chunks
//!    only see their own usage, so the limits are enforced here, globally.
//! 3. **Plan** (`lib.rs`, over `pex_primitives::plan`). [`pex_primitives::plan`] over the runtime's
//!    access sets and weights, for [`BuildOptions::lanes`] lanes: phases of per-lane chunks, where
//!    a chunk follows chains of conflicts on its lane and only dependencies that cross lanes wait
//!    for a barrier. The plan's order (phase after phase, chunks in lane order) is the block's
//!    order, so every extrinsic's index is known before execution; it keeps every conflicting pair
//!    in pool order and does not depend on the thread count.
//! 4. **Execute** (`execute.rs`; `tracking.rs`). Phase after phase, the chunks of a phase run on
//!    the builder's rayon pool, each in one runtime call over a clone of the base overlay and a
//!    backend that reads the block's writes so far (the commit's layer, shared, not copied) over
//!    the parent state and records every key read.
//! 5. **Validate** (`commit.rs`, `Commit::try_keep`). In block order, a chunk is kept if nothing it
//!    read or changed was changed since its phase began (by an earlier chunk of the same phase, or
//!    a re-execution), it changed no key of the base (hot keys aside), started at the index it was
//!    planned for, and its hot keys merge. Otherwise it is re-executed on the merged state, as a
//!    sequential builder would have run it.
//! 6. **Merge and finalize** (`commit.rs`, `Commit::flush`; finalizing in `lib.rs`). Kept chunks'
//!    writes are applied in order and recorded in the layer the next phase reads, hot keys by their
//!    [`pex_primitives::MergeRule`]; after the refill, `BlockBuilder_finalize_block` and the
//!    storage changes.
//! 7. **Refill** (`lib.rs`, `refill`). Extrinsics the runtime refused gave back the capacity
//!    admission reserved for them. While candidates that did not fit remain and the runtime's
//!    capacity, asked again on the merged state, holds one of them, a refill round admits more of
//!    them in pool order (each round's budget twice the last one's, at most [`MAX_REFILL_ROUNDS`]
//!    rounds) and applies them on the merged state in one runtime call, where the runtime's own
//!    block-limit check refuses what no longer fits. A block therefore holds as much valid weight
//!    as a sequential builder's, however many doomed extrinsics come first in the pool.
//!
//! With one thread, or a plan of one chunk per phase, the block's extrinsics run in its order in
//! one runtime call on one overlay (one call per chunk when a deadline must be able to stop it):
//! the plain sequential path. The block is the same for every thread count.
//!
//! ## Faults
//!
//! Every runtime call is atomic on its overlay (`runtime.rs`): a trap, a panic or a failing read
//! of the parent state leaves nothing of the call behind. A run of extrinsics whose call fails
//! is applied again in halves, down to the one extrinsic that fails alone, which is left out as
//! [`LeftOutReason::Failed`]. A failure outside any candidate (the base, the merge, finalizing,
//! reading the parent state) fails the build with a [`BuildError`], never a wrong block.

mod admission;
mod commit;
mod execute;
mod runtime;
mod trace;
mod tracking;

pub use runtime::WasmRuntime;
pub use trace::{Trace, TraceEvent, TraceKind};

use admission::Candidate;
use codec::Encode;
use commit::Commit;
use execute::Chunk;
use pex_primitives::{AccessSet, BlockCapacity, HotKey, MergeError};
use sp_inherents::InherentData;
use sp_runtime::{
	traits::{Block as BlockT, HashingFor, Header as HeaderT},
	transaction_validity::{InvalidTransaction, TransactionValidityError},
	ApplyExtrinsicResult, Digest, ExtrinsicInclusionMode,
};
use sp_state_machine::{Backend, OverlayedChanges, StorageChanges};
use std::time::{Duration, Instant};
use trace::Tracer;

/// Why a build failed as a whole (a candidate's own failure never fails the build: it is left
/// out with a [`LeftOutReason`]).
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
	/// A runtime call failed (trap, panic, missing export) where the block cannot do without it.
	#[error("runtime call {method} failed: {message}")]
	Runtime {
		/// The runtime API function.
		method: &'static str,
		/// The executor's error.
		message: String,
	},
	/// A runtime call returned bytes that do not decode as its result type.
	#[error("the result of {method} does not decode")]
	Undecodable {
		/// The runtime API function.
		method: &'static str,
	},
	/// An inherent the runtime created could not be applied.
	#[error("inherent {index} failed: {error:?}")]
	Inherent {
		/// Its position among the inherents.
		index: usize,
		/// Why the runtime refused it.
		error: TransactionValidityError,
	},
	/// The storage changes of the block could not be computed.
	#[error("storage changes: {0}")]
	StorageChanges(String),
	/// The kept chunks' values of a hot key do not merge (a sum overflowed its type).
	#[error("hot key {key} does not merge: {error}")]
	HotKey {
		/// The key, hex.
		key: String,
		/// Why.
		error: MergeError,
	},
	/// The builder's thread pool could not be created.
	#[error("thread pool: {0}")]
	ThreadPool(String),
	/// The parent state could not be read (a database error).
	#[error("reading the parent state: {0}")]
	State(String),
	/// An invariant of the builder broke (a bug): the build stops rather than give a block it
	/// cannot vouch for.
	#[error("broken invariant of the block builder: {0}")]
	Invariant(&'static str),
}

/// Why a candidate is not in the block. Every candidate is either in the block or reported back
/// with one of these.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum LeftOutReason {
	/// Its weight or length did not fit what was left of the block (also when the runtime
	/// refused it as `ExhaustsResources`). It may fit the next block.
	DidNotFit,
	/// The runtime refused it (bad nonce, unpayable fee, ...).
	Invalid(TransactionValidityError),
	/// The runtime cannot read it: describing it alone failed (its bytes do not decode as an
	/// extrinsic of this runtime, or exceed one of the runtime's limits). No block can hold it.
	Malformed(String),
	/// Applying it failed in the runtime (a trap, or a failing read of the parent state), also
	/// when applied alone.
	Failed(String),
	/// The build's deadline passed before it ran.
	Deadline,
	/// The runtime allows only inherents in this block.
	OnlyInherents,
}

/// A candidate left out of the block, with the reason.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LeftOut<Extrinsic> {
	/// The candidate's position in the candidates given to [`ParallelBlockBuilder::build`].
	pub position: usize,
	/// The candidate.
	pub extrinsic: Extrinsic,
	/// Why it is not in the block.
	pub reason: LeftOutReason,
}

/// What the builder does besides the block's contents.
#[derive(Clone, Debug)]
pub struct BuildOptions {
	/// Threads of the builder's pool; 1 takes the sequential path.
	pub threads: usize,
	/// Lanes the block is planned for ([`pex_primitives::plan`]): the block's order depends on
	/// them, never on [`Self::threads`], which only say how many chunks run at once. As many as
	/// threads is best (measured: on two threads, two lanes beat four, whose chunks are shorter).
	pub lanes: usize,
	/// Time after which no further chunk is started; what did not run is left out.
	pub deadline: Option<Duration>,
	/// Record a [`Trace`] of the build (costs time: every read is recorded).
	pub trace: bool,
	/// Lane counts to model the block's plan for besides [`Self::lanes`] (costs a plan each,
	/// after the build's timing): [`BuildStats::modeled`].
	pub model_lanes: Vec<usize>,
}

impl Default for BuildOptions {
	/// All available cores, as many lanes, no deadline, no trace.
	fn default() -> Self {
		let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
		Self { threads, lanes: threads, deadline: None, trace: false, model_lanes: Vec::new() }
	}
}

/// The block to build on top of its parent.
#[derive(Clone)]
pub struct BlockInputs<Block: BlockT> {
	/// Hash of the parent block, whose state the builder is given.
	pub parent_hash: Block::Hash,
	/// Number of the block to build.
	pub number: <Block::Header as HeaderT>::Number,
	/// Pre-runtime digests (consensus data).
	pub digest: Digest,
	/// Data the runtime turns into inherents (timestamp, ...).
	pub inherent_data: InherentData,
}

/// Counts and times of one build.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BuildStats {
	/// `spec_version` of the runtime that built the block (the parent's `:code`).
	pub spec_version: u32,
	/// Hot keys that runtime declared (`ParallelExecutionApi_hot_keys`), which the merge used.
	pub hot_keys: usize,
	/// Extrinsics in the block other than inherents.
	pub extrinsics: usize,
	/// Connected components of the admitted extrinsics' conflict graph.
	pub groups: usize,
	/// Extrinsics of the largest of them.
	pub largest_group: usize,
	/// Levels of their conflict DAG: the longest chain of conflicts, in extrinsics.
	pub depth: u32,
	/// Phases of the plan: barriers + 1 (0 for an empty block).
	pub phases: usize,
	/// Chunks of the plan, over all phases: runtime calls of the parallel path.
	pub chunks: usize,
	/// Threads of the pool.
	pub threads: usize,
	/// Extrinsics whose parallel result was kept.
	pub parallel_extrinsics: usize,
	/// Time the chunks of the parallel phase took, summed over chunks: how long the lanes were
	/// busy (zero on the sequential path).
	pub busy: Duration,
	/// The weight (`ref_time`, each capped as the plan caps it: [`COST_CAP_MEDIANS`]) of the
	/// admitted extrinsics' costliest chain of conflicts in pool order
	/// ([`pex_primitives::ConflictDag::critical_path`]): no schedule on any number of threads
	/// executes them in less.
	pub critical_path: u64,
	/// The weight (`ref_time`, capped likewise) of the admitted extrinsics together.
	pub admitted_weight: u64,
	/// Chunks whose parallel result was thrown away and that ran again on the merged state.
	pub reexecuted_chunks: usize,
	/// Extrinsics of those chunks.
	pub reexecuted_extrinsics: usize,
	/// Refill rounds run after the first admission (at most [`MAX_REFILL_ROUNDS`]).
	pub refill_rounds: usize,
	/// Extrinsics in the block that refill rounds added.
	pub refilled_extrinsics: usize,
	/// Time of initialize, inherents and the post-inherent step.
	pub base: Duration,
	/// Time of dispatch info, access sets and admission.
	pub admission: Duration,
	/// Time of the plan (partition, conflict DAG, critical path, schedule).
	pub partition: Duration,
	/// Time of the parallel execution of the phases' chunks (zero on the sequential path).
	pub execute: Duration,
	/// Time of validation, merging, re-execution and of phases of one chunk (all execution on
	/// the sequential path).
	pub commit: Duration,
	/// Time of the refill rounds, and of asking whether one is needed.
	pub refill: Duration,
	/// Time of `finalize_block` and the storage changes (state root).
	pub finalize: Duration,
	/// For each of [`BuildOptions::model_lanes`], the plan's estimated time on that many lanes
	/// ([`pex_primitives::ExecutionPlan::estimate`], weights as costs): a model, not a
	/// measurement.
	pub modeled: Vec<ModeledPlan>,
}

/// What a plan on `lanes` lanes predicts for the admitted extrinsics.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ModeledPlan {
	/// Lanes the plan was made for.
	pub lanes: usize,
	/// Its estimated time in the plan's costs (capped weights, `ref_time`), barriers included.
	pub estimate: u64,
	/// The same extrinsics one after another: the sum of their costs.
	pub sequential: u64,
	/// Phases of the plan.
	pub phases: usize,
}

impl ModeledPlan {
	/// `sequential / estimate`: the modeled speed-up over running the admitted extrinsics one
	/// after another (1 for an empty block).
	pub fn speedup(&self) -> f64 {
		if self.estimate == 0 {
			1.0
		} else {
			self.sequential as f64 / self.estimate as f64
		}
	}
}

impl BuildStats {
	/// Share of the block's extrinsics whose parallel execution was kept, from 0 to 1. Not a
	/// measure of parallelism: one giant group kept whole is 100 % while the other lanes idle.
	pub fn kept_fraction(&self) -> f64 {
		ratio(self.parallel_extrinsics, self.extrinsics)
	}

	/// Share of the parallel phase's lane time spent executing, from 0 to 1: `busy / (threads x
	/// execute)`. 1 when every lane worked all the time, `1 / threads` when one lane did all the
	/// work; 0 on the sequential path.
	pub fn concurrency(&self) -> f64 {
		let capacity = self.execute.as_secs_f64() * self.threads as f64;
		if capacity == 0.0 {
			0.0
		} else {
			(self.busy.as_secs_f64() / capacity).min(1.0)
		}
	}

	/// `critical_path / admitted_weight`, from 0 to 1: 1 when the admitted extrinsics form one
	/// chain of conflicts (no thread but one can help), `1 / n` when they could keep `n` lanes
	/// busy. 0 when nothing was admitted.
	pub fn critical_path_share(&self) -> f64 {
		if self.admitted_weight == 0 {
			0.0
		} else {
			self.critical_path as f64 / self.admitted_weight as f64
		}
	}

	/// Share of the plan's chunks that had to run again, from 0 to 1 (0 on the sequential
	/// path).
	pub fn rollback_rate(&self) -> f64 {
		if self.execute.is_zero() {
			0.0
		} else {
			ratio(self.reexecuted_chunks, self.chunks)
		}
	}
}

fn ratio(part: usize, whole: usize) -> f64 {
	if whole == 0 {
		0.0
	} else {
		part as f64 / whole as f64
	}
}

/// A built block with what a client imports (`StateAction::ApplyChanges`).
pub struct BuiltBlock<Block: BlockT> {
	/// The block: inherents, then the admitted extrinsics in the plan's order.
	pub block: Block,
	/// The changes of the block on the parent state; `transaction_storage_root` is the
	/// header's state root.
	pub storage_changes: StorageChanges<HashingFor<Block>>,
	/// What happened.
	pub stats: BuildStats,
	/// Candidates not in the block, in candidate order.
	pub left_out: Vec<LeftOut<Block::Extrinsic>>,
	/// The execution trace, if [`BuildOptions::trace`] asked for one.
	pub trace: Option<Trace>,
}

/// Builds blocks on a rayon pool of its own, through one runtime's WASM code.
pub struct ParallelBlockBuilder {
	runtime: std::sync::Arc<WasmRuntime>,
	pool: rayon::ThreadPool,
	options: BuildOptions,
}

/// The state chunks fork from, and what the runtime said about it.
struct Base<H: sp_core::Hasher> {
	overlay: OverlayedChanges<H>,
	hot_keys: Vec<HotKey>,
	capacity: BlockCapacity,
}

/// The outcome of one extrinsic in a chunk.
enum Outcome {
	Applied,
	Refused(TransactionValidityError),
	Failed(String),
	/// Not run: the deadline had passed.
	Late,
}

impl Outcome {
	fn applied(outcomes: &[Outcome]) -> usize {
		outcomes.iter().filter(|o| matches!(o, Outcome::Applied)).count()
	}
}

/// What became of every candidate so far: the block's extrinsics in order, and the others.
struct Inclusion<X> {
	included: Vec<X>,
	left_out: Vec<LeftOut<X>>,
}

impl<X: Clone> Inclusion<X> {
	/// Record `outcome` for `candidate`. A refusal for exhausted resources means it did not fit.
	fn report(&mut self, candidate: &Candidate<X>, outcome: Outcome) {
		let reason = match outcome {
			Outcome::Applied => {
				self.included.push(candidate.extrinsic.clone());
				return
			},
			Outcome::Refused(TransactionValidityError::Invalid(
				InvalidTransaction::ExhaustsResources,
			)) => LeftOutReason::DidNotFit,
			Outcome::Refused(error) => LeftOutReason::Invalid(error),
			Outcome::Failed(message) => LeftOutReason::Failed(message),
			Outcome::Late => LeftOutReason::Deadline,
		};
		let (position, extrinsic) = (candidate.position, candidate.extrinsic.clone());
		self.left_out.push(LeftOut { position, extrinsic, reason });
	}
}

const APPLY: &str = "BlockBuilder_apply_extrinsic";

/// What the plan charges for a barrier between two phases, in weight (`ref_time`, picoseconds):
/// merging the lanes' writes and a new runtime call per lane. Measured on the reference machine:
/// about 1.2 ms per barrier, the time of four transfers, which weigh 0.76 ms each.
pub const BARRIER_WEIGHT: u64 = 3_000_000_000;

/// The most an extrinsic costs in the plan, in medians of the admitted weights: weights
/// overstate some calls by orders of magnitude (a contract call reserving 50 ms runs in less
/// than one), and one such call must not get a lane of its own while the others queue.
pub const COST_CAP_MEDIANS: u64 = 16;

/// The log target of the builder: rejections, re-executions and failures at debug level.
const LOG_TARGET: &str = "pex";

/// The most refill rounds a build runs (step 7). Round `r` (from 1) may admit `2^(r-1)` times
/// the capacity left, so the last one covers `2^15` blocks' worth of candidates.
pub const MAX_REFILL_ROUNDS: usize = 16;

/// Candidates of a refill round applied in one runtime call: the deadline is checked between
/// calls.
const REFILL_CALL_EXTRINSICS: usize = 512;

impl ParallelBlockBuilder {
	/// A builder running `code` (a runtime WASM blob implementing `ParallelExecutionApi`).
	pub fn new(code: Vec<u8>, options: BuildOptions) -> Result<Self, BuildError> {
		let runtime = WasmRuntime::new(code, options.threads.max(1) + 1);
		Self::with_runtime(std::sync::Arc::new(runtime), options)
	}

	/// A builder sharing `runtime` (and its compiled code) with other builders.
	pub fn with_runtime(
		runtime: std::sync::Arc<WasmRuntime>,
		options: BuildOptions,
	) -> Result<Self, BuildError> {
		let pool = rayon::ThreadPoolBuilder::new()
			.num_threads(options.threads.max(1))
			.thread_name(|i| format!("pex-builder-{i}"))
			.build()
			.map_err(|error| BuildError::ThreadPool(error.to_string()))?;
		Ok(Self { runtime, pool, options })
	}

	/// The options this builder was made with.
	pub fn options(&self) -> &BuildOptions {
		&self.options
	}

	/// Build a block on `parent` (the parent block's state) from `candidates` in pool order.
	///
	/// Every candidate ends up in the block or in [`BuiltBlock::left_out`]; no candidate can
	/// fail the build. The block does not depend on [`BuildOptions::threads`].
	pub fn build<Block, S>(
		&self,
		parent: &S,
		inputs: BlockInputs<Block>,
		candidates: Vec<Block::Extrinsic>,
	) -> Result<BuiltBlock<Block>, BuildError>
	where
		Block: BlockT,
		S: Backend<HashingFor<Block>> + Sync,
	{
		let started = Instant::now();
		let tracer = Tracer::new(started, self.options.trace);
		let mut stats = BuildStats { threads: self.options.threads.max(1), ..Default::default() };

		let header = Block::Header::new(
			inputs.number,
			Default::default(),
			Default::default(),
			inputs.parent_hash,
			inputs.digest,
		);
		let mut overlay = OverlayedChanges::default();
		let version: sp_version::RuntimeVersion =
			self.runtime.query(parent, &mut overlay, "Core_version", ())?;
		let mode: ExtrinsicInclusionMode =
			self.runtime.call(parent, &mut overlay, "Core_initialize_block", &header)?;
		let inherents =
			self.apply_inherents::<Block, S>(parent, &mut overlay, &inputs.inherent_data)?;
		let base = self.finish_base(parent, overlay)?;
		stats.spec_version = version.spec_version;
		stats.hot_keys = base.hot_keys.len();
		stats.base = started.elapsed();

		let phase = Instant::now();
		let mut inclusion = Inclusion { included: Vec::new(), left_out: Vec::new() };
		let (admitted, postponed) = if mode == ExtrinsicInclusionMode::OnlyInherents {
			let reason = LeftOutReason::OnlyInherents;
			inclusion.left_out.extend(candidates.into_iter().enumerate().map(
				|(position, extrinsic)| LeftOut { position, extrinsic, reason: reason.clone() },
			));
			(Vec::new(), Vec::new())
		} else {
			let described = admission::describe(
				&self.runtime,
				&self.pool,
				parent,
				&base.overlay,
				&base.capacity,
				candidates,
			);
			inclusion.left_out.extend(described.left_out);
			admit(base.capacity, described.candidates, &mut inclusion)
		};
		stats.admission = phase.elapsed();

		let phase = Instant::now();
		let sets: Vec<AccessSet> = admitted.iter().map(|a| a.info.access.clone()).collect();
		let weights: Vec<u64> = admitted.iter().map(|a| a.info.weight.ref_time()).collect();
		let costs = plan_costs(&weights);
		let plan = pex_primitives::plan(&sets, &costs, self.options.lanes.max(1), BARRIER_WEIGHT)
			.map_err(|_| BuildError::Invariant("an admitted extrinsic without a weight"))?;
		stats.groups = plan.shape.components;
		stats.largest_group = plan.shape.largest_component;
		stats.depth = plan.shape.depth;
		stats.critical_path = plan.shape.critical_path;
		stats.admitted_weight = costs.iter().fold(0, |sum, cost| sum.saturating_add(*cost));
		stats.phases = plan.phases.len();
		stats.chunks = plan.phases.iter().map(|phase| phase.chunks.len()).sum();
		stats.partition = phase.elapsed();

		let phase = Instant::now();
		let deadline = self.options.deadline.map(|d| started + d);
		let past_deadline = || deadline.is_some_and(|deadline| Instant::now() > deadline);
		let parallel = stats.threads > 1 && plan.phases.iter().any(|phase| phase.chunks.len() > 1);
		let mut commit = Commit::new(parent, base, inherents.len() as u32, parallel);
		let mut number = 0;
		for (index, planned) in plan.phases.iter().enumerate() {
			// The sequential path runs the whole block in one runtime call, or one call per chunk
			// when a deadline must be able to stop it between chunks.
			if !parallel && deadline.is_none() {
				if index == 0 {
					let members: Vec<_> =
						plan.order().into_iter().map(|tx| &admitted[tx as usize]).collect();
					let outcomes = commit.reexecute(&self.runtime, &members, 0, &tracer)?;
					tracer.record(TraceKind::Commit, 0, None, || "executed".into());
					members
						.into_iter()
						.zip(outcomes)
						.for_each(|(member, outcome)| inclusion.report(member, outcome));
				}
				continue
			}
			let members = |chunk: &pex_primitives::Chunk| -> Vec<&Candidate<Block::Extrinsic>> {
				chunk.iter().map(|&tx| &admitted[tx as usize]).collect()
			};
			let mut start = commit.begin_phase();
			let chunks: Vec<Chunk<'_, Block::Extrinsic>> = planned
				.chunks
				.iter()
				.map(|chunk| {
					let extrinsics = members(chunk).into_iter().map(|m| &m.extrinsic).collect();
					let chunk = Chunk { number, start, extrinsics };
					(number, start) = (number + 1, start + chunk.extrinsics.len() as u32);
					chunk
				})
				.collect();
			// A phase of one chunk runs on the merged state directly: nothing runs beside it.
			let runs = if parallel && chunks.len() > 1 && !past_deadline() {
				let execution = Instant::now();
				let runs = self.execute_chunks(parent, &commit, &chunks, &tracer);
				stats.execute += execution.elapsed();
				stats.busy += runs.iter().map(|run| run.busy).sum::<Duration>();
				Some(runs)
			} else {
				None
			};
			let mut runs = runs.map(Vec::into_iter);
			for (chunk, planned) in chunks.iter().zip(&planned.chunks) {
				let members = members(planned);
				let run = runs.as_mut().and_then(Iterator::next);
				if !past_deadline() {
					match run.map(|run| commit.try_keep(run, chunk.number, &tracer)).transpose()? {
						Some(Ok(outcomes)) => {
							stats.parallel_extrinsics += Outcome::applied(&outcomes);
							tracer.record(TraceKind::Commit, chunk.number, None, || "kept".into());
							members
								.into_iter()
								.zip(outcomes)
								.for_each(|(member, outcome)| inclusion.report(member, outcome));
							continue
						},
						Some(Err(rejection)) => {
							log::debug!(
								target: LOG_TARGET,
								"chunk {} (extrinsics from {}) runs again: {rejection}",
								chunk.number,
								chunk.start
							);
							stats.reexecuted_chunks += 1;
							stats.reexecuted_extrinsics += members.len();
							tracer.record(TraceKind::Commit, chunk.number, None, || {
								format!("rejected: {rejection}")
							})
						},
						None => {},
					}
				}
				let outcomes = if past_deadline() {
					members.iter().map(|_| Outcome::Late).collect()
				} else {
					let outcomes =
						commit.reexecute(&self.runtime, &members, chunk.number, &tracer)?;
					tracer.record(TraceKind::Commit, chunk.number, None, || "executed".into());
					outcomes
				};
				members
					.into_iter()
					.zip(outcomes)
					.for_each(|(member, outcome)| inclusion.report(member, outcome));
			}
		}
		// The last kept runs' hot keys are merged here, so that the refill's time is its own.
		commit.flush()?;
		stats.commit = phase.elapsed().saturating_sub(stats.execute);

		let phase = Instant::now();
		let still_out = self.refill(
			&mut commit,
			postponed,
			&past_deadline,
			&tracer,
			&mut stats,
			&mut inclusion,
		)?;
		inclusion.left_out.extend(still_out.into_iter().map(|candidate| LeftOut {
			position: candidate.position,
			extrinsic: candidate.extrinsic,
			reason: LeftOutReason::DidNotFit,
		}));
		let mut merged = commit.into_overlay()?;
		stats.refill = phase.elapsed();
		stats.extrinsics = inclusion.included.len();

		let phase = Instant::now();
		let header: Block::Header =
			self.runtime.call(parent, &mut merged, "BlockBuilder_finalize_block", ())?;
		let storage_changes = merged
			.drain_storage_changes(parent, version.state_version())
			.map_err(|error| BuildError::StorageChanges(error.to_string()))?;
		stats.finalize = phase.elapsed();

		for &lanes in &self.options.model_lanes {
			let plan = pex_primitives::plan(&sets, &costs, lanes.max(1), BARRIER_WEIGHT)
				.map_err(|_| BuildError::Invariant("an admitted extrinsic without a weight"))?;
			let (estimate, phases) = (plan.estimate, plan.phases.len());
			let sequential = stats.admitted_weight;
			stats.modeled.push(ModeledPlan { lanes, estimate, sequential, phases });
		}
		let Inclusion { included, mut left_out } = inclusion;
		left_out.sort_by_key(|l| l.position);
		let extrinsics = inherents.into_iter().chain(included).collect();
		let trace = tracer.finish();
		Ok(BuiltBlock {
			block: Block::new(header, extrinsics),
			storage_changes,
			stats,
			left_out,
			trace,
		})
	}

	/// Create the inherents from `data` and apply them; each must succeed.
	fn apply_inherents<Block: BlockT, S: Backend<HashingFor<Block>>>(
		&self,
		parent: &S,
		overlay: &mut OverlayedChanges<HashingFor<Block>>,
		data: &InherentData,
	) -> Result<Vec<Block::Extrinsic>, BuildError> {
		let inherents: Vec<Block::Extrinsic> =
			self.runtime.query(parent, overlay, "BlockBuilder_inherent_extrinsics", data)?;
		for (index, inherent) in inherents.iter().enumerate() {
			let result: ApplyExtrinsicResult =
				self.runtime.call(parent, overlay, APPLY, inherent)?;
			match result {
				Ok(Ok(())) => {},
				Ok(Err(_)) => {
					let error = InvalidTransaction::BadMandatory.into();
					return Err(BuildError::Inherent { index, error })
				},
				Err(error) => return Err(BuildError::Inherent { index, error }),
			}
		}
		Ok(inherents)
	}

	/// Run the post-inherent step and ask the runtime for hot keys and capacity.
	fn finish_base<H, S>(
		&self,
		parent: &S,
		mut overlay: OverlayedChanges<H>,
	) -> Result<Base<H>, BuildError>
	where
		H: sp_core::Hasher,
		H::Out: Ord + 'static + codec::Codec,
		S: Backend<H>,
	{
		let () = self.runtime.call(
			parent,
			&mut overlay,
			"ParallelExecutionApi_inherents_applied",
			(),
		)?;
		let hot_keys =
			self.runtime.query(parent, &mut overlay, "ParallelExecutionApi_hot_keys", ())?;
		let capacity = capacity(&self.runtime, parent, &mut overlay)?;
		Ok(Base { overlay, hot_keys, capacity })
	}

	/// Step 7: while candidates that did not fit remain and one of them fits the capacity the
	/// runtime reports on the merged state, admit more of them in pool order and apply them on
	/// the merged state (in runtime calls of at most [`REFILL_CALL_EXTRINSICS`], the deadline
	/// checked between them). Round `r` (from 1) admits up to `2^(r-1)` times the
	/// capacity left, so that refused extrinsics cannot hold the block back for long; what does
	/// not fit any more the runtime refuses (`ExhaustsResources`), and it stays out. Returns the
	/// candidates still waiting, in pool order.
	fn refill<H, S, X>(
		&self,
		commit: &mut Commit<'_, H, S>,
		mut waiting: Vec<Candidate<X>>,
		past_deadline: &dyn Fn() -> bool,
		tracer: &Tracer,
		stats: &mut BuildStats,
		inclusion: &mut Inclusion<X>,
	) -> Result<Vec<Candidate<X>>, BuildError>
	where
		H: sp_core::Hasher,
		H::Out: Ord + 'static + codec::Codec,
		S: Backend<H>,
		X: Encode + Clone,
	{
		// Nothing parallel follows: re-executed writes need no tracking.
		commit.track = false;
		for round in 0..MAX_REFILL_ROUNDS {
			if waiting.is_empty() || past_deadline() {
				break
			}
			let capacity = commit.capacity(&self.runtime)?;
			let mut budget = admission::scaled(&capacity, 1 << round);
			let (mut chosen, mut rest) = (Vec::new(), Vec::new());
			for candidate in waiting {
				let fits = admission::fits(&capacity, &candidate.info) &&
					admission::admit_one(&mut budget, &candidate.info).is_ok();
				if fits {
					chosen.push(candidate)
				} else {
					rest.push(candidate)
				}
			}
			waiting = rest;
			if chosen.is_empty() {
				break
			}
			stats.refill_rounds += 1;
			// In calls of a bounded size, so that the deadline can stop a long round.
			let mut outcomes = Vec::with_capacity(chosen.len());
			for call in chosen.chunks(REFILL_CALL_EXTRINSICS) {
				if past_deadline() {
					outcomes.extend(call.iter().map(|_| Outcome::Late));
					continue
				}
				let position = commit.next_index as usize;
				let members: Vec<&Candidate<X>> = call.iter().collect();
				outcomes.extend(commit.reexecute(&self.runtime, &members, position, tracer)?);
				tracer.record(TraceKind::Commit, position, None, || {
					format!("refill round {}", round + 1)
				});
			}
			stats.refilled_extrinsics += Outcome::applied(&outcomes);
			chosen
				.iter()
				.zip(outcomes)
				.for_each(|(member, outcome)| inclusion.report(member, outcome));
		}
		Ok(waiting)
	}
}

/// The costs the plan weighs extrinsics by: their weights, each at most [`COST_CAP_MEDIANS`]
/// times the median weight.
fn plan_costs(weights: &[u64]) -> Vec<u64> {
	let mut sorted = weights.to_vec();
	sorted.sort_unstable();
	let Some(&median) = sorted.get(sorted.len() / 2) else { return Vec::new() };
	let cap = median.max(1).saturating_mul(COST_CAP_MEDIANS);
	weights.iter().map(|weight| (*weight).min(cap)).collect()
}

/// What the rest of the block may still use, asked of the runtime in the state `overlay` holds.
fn capacity<H, S>(
	runtime: &WasmRuntime,
	parent: &S,
	overlay: &mut OverlayedChanges<H>,
) -> Result<BlockCapacity, BuildError>
where
	H: sp_core::Hasher,
	H::Out: Ord + 'static + codec::Codec,
	S: Backend<H>,
{
	runtime.query(parent, overlay, "ParallelExecutionApi_block_capacity", ())
}

/// Admit described candidates in pool order while they fit `capacity`; the others are returned
/// second, in pool order, for the refill rounds. A mandatory extrinsic is never a candidate.
fn admit<X: Clone>(
	mut capacity: BlockCapacity,
	candidates: Vec<Candidate<X>>,
	inclusion: &mut Inclusion<X>,
) -> (Vec<Candidate<X>>, Vec<Candidate<X>>) {
	let (mut admitted, mut postponed) = (Vec::new(), Vec::new());
	for candidate in candidates {
		match admission::admit_one(&mut capacity, &candidate.info) {
			Ok(()) => admitted.push(candidate),
			Err(LeftOutReason::DidNotFit) => postponed.push(candidate),
			Err(reason) => inclusion.left_out.push(LeftOut {
				position: candidate.position,
				extrinsic: candidate.extrinsic,
				reason,
			}),
		}
	}
	(admitted, postponed)
}
