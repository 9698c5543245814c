//! # pex block builder
//!
//! Builds a block by executing non-conflicting chunks of extrinsics in parallel, through the
//! runtime's WASM code, and produces the block a sequential node imports with the same state
//! root. The six steps of the pex architecture, and a seventh, each with the file it lives in:
//!
//! 1. **Base** (`base.rs`). The runtime's version is checked (it must implement
//!    [`PARALLEL_EXECUTION_API_VERSION`] of `ParallelExecutionApi`); `Core_initialize_block`, the
//!    inherents, and the post-inherent step (`ParallelExecutionApi::inherents_applied`),
//!    sequentially, into one overlay.
//! 2. **Admission** (`admission.rs`). The runtime describes every candidate (access set, weight,
//!    class, length) in calls of bounded size; a candidate it cannot describe alone is left out as
//!    malformed, only it. Candidates are admitted in pool order while their weight and length fit
//!    what the runtime says is left of the block (`ParallelExecutionApi::block_capacity`): chunks
//!    only see their own usage, so the limits are enforced here, globally.
//! 3. **Schedule** (`schedule.rs`, over `pex_primitives::plan`). [`pex_primitives::plan`] over the
//!    runtime's access sets and weights, for [`BuildOptions::lanes`] lanes: phases of per-lane
//!    chunks, where a chunk follows chains of conflicts on its lane and only dependencies that
//!    cross lanes wait for a barrier. The plan's order (phase after phase, chunks in lane order) is
//!    the block's order, so every extrinsic's index is known before execution; it keeps every
//!    conflicting pair in pool order and does not depend on the thread count.
//! 4. **Execute** (`execute.rs`; `tracking.rs`). Phase after phase, the chunks of a phase run on
//!    the builder's rayon pool, each in one runtime call over a clone of the base overlay and a
//!    backend that reads the block's writes so far (the commit's layer, shared, not copied) over
//!    the parent state and records every key read. Still on its lane, a chunk's writes are sorted
//!    out against the base state (`validate::sort_out`): the commit's sequential part only compares
//!    them with what the block wrote since.
//! 5. **Validate** (`validate.rs`). In block order, a chunk is kept if nothing it read or changed
//!    was changed since its phase began (by an earlier chunk of the same phase, or a re-execution),
//!    it changed no key of the base (hot keys aside), started at the index it was planned for, and
//!    its hot keys merge. Otherwise it is re-executed on the merged state, as a sequential builder
//!    would have run it.
//! 6. **Merge and finalize** (`commit.rs`; finalizing in `lib.rs`). Kept chunks' writes are applied
//!    in order and recorded in the layer the next phase reads, hot keys by their
//!    [`pex_primitives::MergeRule`]; after the refill, `BlockBuilder_finalize_block` and the
//!    storage changes.
//! 7. **Refill** (`refill.rs`). Extrinsics the runtime refused gave back the capacity admission
//!    reserved for them. While candidates that did not fit remain and the runtime's capacity, asked
//!    again on the merged state, holds one of them, a refill round admits more of them in pool
//!    order (each round's budget twice the last one's, at most [`MAX_REFILL_ROUNDS`] rounds) and
//!    applies them on the merged state in one runtime call, where the runtime's own block-limit
//!    check refuses what no longer fits. A block therefore holds as much valid weight as a
//!    sequential builder's, however many doomed extrinsics come first in the pool.
//!
//! With one thread, or a plan of one chunk per phase, the block's extrinsics run in its order in
//! one runtime call on one overlay (one call per chunk when a deadline must be able to stop it):
//! the plain sequential path. The block is the same for every thread count.
//!
//! ## Faults
//!
//! The builder calls the runtime through [`RuntimeCalls`] (`runtime.rs`; [`WasmRuntime`] runs the
//! WASM code, tests inject faults). Every runtime call is atomic on its overlay: a trap, a panic or
//! a failing read of the parent state leaves nothing of the call behind. A run of extrinsics whose
//! call fails is applied again in halves, down to the one extrinsic that fails alone, twice (a
//! failing read may pass the second time), which is left out as [`LeftOutReason::Failed`];
//! describing candidates fails the same way, down to [`LeftOutReason::Malformed`]. A failure
//! outside any candidate (the base, the merge, finalizing, reading the parent state) fails the
//! build with a [`BuildError`] (`error.rs`), never a wrong block. Rejections, traps and fallbacks
//! are logged at debug level (target `pex`). What a build takes and gives is in `types.rs`.

mod admission;
mod base;
mod commit;
mod error;
mod execute;
mod refill;
mod runtime;
mod schedule;
mod trace;
mod tracking;
mod types;
mod validate;

pub use base::PARALLEL_EXECUTION_API_VERSION;
pub use error::BuildError;
pub use refill::MAX_REFILL_ROUNDS;
pub use runtime::{RuntimeCalls, WasmRuntime};
pub use schedule::{BARRIER_WEIGHT, COST_CAP_MEDIANS};
pub use trace::{Trace, TraceEvent, TraceKind};
pub use types::{
	BlockInputs, BuildOptions, BuildStats, BuiltBlock, LeftOut, LeftOutReason, ModeledPlan,
};

use commit::Commit;
use execute::Deadline;
use runtime::Calls;
use schedule::Schedule;
use sp_runtime::{
	traits::{Block as BlockT, HashingFor},
	ExtrinsicInclusionMode,
};
use sp_state_machine::Backend;
use std::{sync::Arc, time::Instant};
use trace::Tracer;
use types::{Inclusion, Outcome};

/// The log target of the builder: rejections, re-executions, traps and failures at debug level.
const LOG_TARGET: &str = "pex";

/// Builds blocks on a rayon pool of its own, through one runtime ([`WasmRuntime`] unless a test
/// gives another [`RuntimeCalls`]).
pub struct ParallelBlockBuilder<R = WasmRuntime> {
	runtime: Arc<R>,
	pool: rayon::ThreadPool,
	options: BuildOptions,
}

impl ParallelBlockBuilder<WasmRuntime> {
	/// A builder running `code` (a runtime WASM blob implementing `ParallelExecutionApi`).
	pub fn new(code: Vec<u8>, options: BuildOptions) -> Result<Self, BuildError> {
		let runtime = WasmRuntime::new(code, options.threads.max(1) + 1);
		Self::with_runtime(Arc::new(runtime), options)
	}
}

impl<R: RuntimeCalls> ParallelBlockBuilder<R> {
	/// A builder sharing `runtime` (and its compiled code) with other builders.
	pub fn with_runtime(runtime: Arc<R>, options: BuildOptions) -> Result<Self, BuildError> {
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
		let deadline = Deadline(self.options.deadline.map(|d| started + d));
		let mut stats = BuildStats { threads: self.options.threads.max(1), ..Default::default() };
		let mut inclusion = Inclusion { included: Vec::new(), left_out: Vec::new() };

		// 1. Base.
		let header = base::header(&inputs);
		let base =
			base::base::<Block, S, R>(&*self.runtime, parent, &header, &inputs.inherent_data)?;
		stats.spec_version = base.version.spec_version;
		stats.hot_keys = base.hot_keys.len();
		stats.base = started.elapsed();

		// 2. Admission.
		let phase = Instant::now();
		let (admitted, postponed) = if base.mode == ExtrinsicInclusionMode::OnlyInherents {
			let reason = LeftOutReason::OnlyInherents;
			inclusion.left_out.extend(candidates.into_iter().enumerate().map(
				|(position, extrinsic)| LeftOut { position, extrinsic, reason: reason.clone() },
			));
			(Vec::new(), Vec::new())
		} else {
			let described = admission::describe(
				&*self.runtime,
				&self.pool,
				parent,
				&base.overlay,
				&base.capacity,
				candidates,
			);
			inclusion.left_out.extend(described.left_out);
			admission::admit(base.capacity, described.candidates, &mut inclusion)
		};
		stats.admission = phase.elapsed();

		// 3. Schedule.
		let phase = Instant::now();
		let schedule = Schedule::new(&admitted, self.options.lanes, &mut stats)?;
		stats.partition = phase.elapsed();

		// 4.-6. Execute, validate, merge.
		let phase = Instant::now();
		let parallel = stats.threads > 1 && schedule.plan.phases.iter().any(|p| p.chunks.len() > 1);
		let first_index = base.inherents.len() as u32;
		let mut commit = Commit::new(parent, base.overlay, base.hot_keys, first_index, parallel);
		self.execute_plan(
			parent,
			&mut commit,
			&admitted,
			&schedule.plan,
			&deadline,
			&tracer,
			&mut stats,
			&mut inclusion,
		)?;
		// The last kept runs' hot keys are merged here, so that the refill's time is its own.
		commit.flush()?;
		stats.commit = phase.elapsed().saturating_sub(stats.execute);

		// 7. Refill.
		let phase = Instant::now();
		let still_out =
			self.refill(&mut commit, postponed, &deadline, &tracer, &mut stats, &mut inclusion)?;
		inclusion.left_out.extend(still_out.into_iter().map(|candidate| LeftOut {
			position: candidate.position,
			extrinsic: candidate.extrinsic,
			reason: LeftOutReason::DidNotFit,
		}));
		let mut merged = commit.into_overlay()?;
		stats.refill = phase.elapsed();
		stats.extrinsics = inclusion.included.len();

		// 6. Finalize.
		let phase = Instant::now();
		let header: Block::Header =
			self.runtime.call(parent, &mut merged, "BlockBuilder_finalize_block", ())?;
		let storage_changes = merged
			.drain_storage_changes(parent, base.version.state_version())
			.map_err(|error| BuildError::StorageChanges(error.to_string()))?;
		stats.finalize = phase.elapsed();

		for &lanes in &self.options.model_lanes {
			stats.modeled.push(schedule.model(lanes)?);
		}
		let Inclusion { included, mut left_out } = inclusion;
		left_out.sort_by_key(|l| l.position);
		let extrinsics = base.inherents.into_iter().chain(included).collect();
		Ok(BuiltBlock {
			block: Block::new(header, extrinsics),
			storage_changes,
			stats,
			left_out,
			trace: tracer.finish(),
		})
	}
}
