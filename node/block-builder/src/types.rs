//! What a build takes and gives: options, inputs, the built block, its statistics, and what became
//! of every candidate.

use crate::{admission::Candidate, Trace};
use sp_inherents::InherentData;
use sp_runtime::{
	traits::{Block as BlockT, HashingFor, Header as HeaderT},
	transaction_validity::{InvalidTransaction, TransactionValidityError},
	Digest,
};
use sp_state_machine::StorageChanges;
use std::time::Duration;

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
	/// The candidate's position in the candidates given to [`crate::ParallelBlockBuilder::build`].
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
	/// The weight (`ref_time`, each capped as the plan caps it: [`crate::COST_CAP_MEDIANS`]) of
	/// the admitted extrinsics' costliest chain of conflicts in pool order
	/// ([`pex_primitives::ConflictDag::critical_path`]): no schedule on any number of threads
	/// executes them in less.
	pub critical_path: u64,
	/// The weight (`ref_time`, capped likewise) of the admitted extrinsics together.
	pub admitted_weight: u64,
	/// Chunks whose parallel result was thrown away and that ran again on the merged state.
	pub reexecuted_chunks: usize,
	/// Extrinsics of those chunks.
	pub reexecuted_extrinsics: usize,
	/// Refill rounds run after the first admission (at most [`crate::MAX_REFILL_ROUNDS`]).
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

/// The outcome of one extrinsic in a chunk.
pub(crate) enum Outcome {
	Applied,
	Refused(TransactionValidityError),
	Failed(String),
	/// Not run: the deadline had passed.
	Late,
}

impl Outcome {
	pub(crate) fn applied(outcomes: &[Outcome]) -> usize {
		outcomes.iter().filter(|o| matches!(o, Outcome::Applied)).count()
	}
}

/// What became of every candidate so far: the block's extrinsics in order, and the others.
pub(crate) struct Inclusion<X> {
	pub(crate) included: Vec<X>,
	pub(crate) left_out: Vec<LeftOut<X>>,
}

impl<X: Clone> Inclusion<X> {
	/// Record `outcome` for `candidate`. A refusal for exhausted resources means it did not fit.
	pub(crate) fn report(&mut self, candidate: &Candidate<X>, outcome: Outcome) {
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

	/// Record `outcomes` for `candidates`, pairwise.
	pub(crate) fn report_all(
		&mut self,
		candidates: &[&Candidate<X>],
		outcomes: impl IntoIterator<Item = Outcome>,
	) {
		candidates
			.iter()
			.zip(outcomes)
			.for_each(|(candidate, outcome)| self.report(candidate, outcome));
	}
}
