//! Step 4: the plan's phases in order, the chunks of a phase on the builder's pool, each in one
//! runtime call over a clone of the base overlay and a read-tracking backend over the layer of
//! the block's writes so far; each chunk then kept or run again by the commit (steps 5 and 6).
//! Also the runtime calls that apply runs of extrinsics, which the commit uses too.

use crate::{
	admission::Candidate,
	runtime::Calls,
	schedule::{self, Chunk},
	trace::{hex, Tracer},
	tracking::{Reads, TrackingBackend},
	validate::{sort_out, Written},
	BuildError, BuildStats, Commit, Inclusion, Outcome, ParallelBlockBuilder, RuntimeCalls,
	TraceKind,
};
use codec::Encode;
use pex_primitives::ExecutionPlan;
use rayon::prelude::*;
use sp_runtime::ApplyExtrinsicResult;
use sp_state_machine::{Backend, OverlayedChanges};
use std::time::{Duration, Instant};

const APPLY_MANY: &str = "ParallelExecutionApi_apply_extrinsics";

/// The parallel run of a chunk: its extrinsics one after another in one runtime call, over the
/// base and the layer of what earlier phases wrote.
pub(crate) struct ChunkRun {
	/// The index its first extrinsic was given.
	pub(crate) start: u32,
	/// What it read from the parent state and the layer.
	pub(crate) reads: Reads,
	/// `None` if the run failed as a whole (a trap, a failing read, a panic).
	pub(crate) outcomes: Option<Vec<Outcome>>,
	/// What it changed, sorted out against the base on its lane (nothing if it failed).
	pub(crate) written: Result<Vec<Written>, BuildError>,
	/// How long the chunk took on its lane.
	pub(crate) busy: Duration,
}

/// When the build must stop starting work.
pub(crate) struct Deadline(pub(crate) Option<Instant>);

impl Deadline {
	/// Whether the deadline has passed.
	pub(crate) fn passed(&self) -> bool {
		self.0.is_some_and(|deadline| Instant::now() > deadline)
	}
}

impl<R: RuntimeCalls> ParallelBlockBuilder<R> {
	/// Execute `plan` over `admitted` into `commit`, phase after phase, and report every
	/// member's outcome to `inclusion`. With one thread, or no phase of more than one chunk, the
	/// sequential path: the whole block in one runtime call on the merged state (one call per
	/// chunk when a deadline must be able to stop it).
	#[allow(clippy::too_many_arguments)]
	pub(crate) fn execute_plan<H, S, X>(
		&self,
		parent: &S,
		commit: &mut Commit<'_, H, S>,
		admitted: &[Candidate<X>],
		plan: &ExecutionPlan,
		deadline: &Deadline,
		tracer: &Tracer,
		stats: &mut BuildStats,
		inclusion: &mut Inclusion<X>,
	) -> Result<(), BuildError>
	where
		H: sp_core::Hasher,
		H::Out: Ord + 'static + codec::Codec,
		S: Backend<H> + Sync,
		X: Encode + Clone + Sync,
	{
		if !commit.track && deadline.0.is_none() {
			let members: Vec<_> =
				plan.order().into_iter().map(|tx| &admitted[tx as usize]).collect();
			let outcomes = commit.reexecute(&*self.runtime, &members, 0, tracer)?;
			tracer.record(TraceKind::Commit, 0, None, || "executed".into());
			inclusion.report_all(&members, outcomes);
			return Ok(())
		}
		let mut number = 0;
		for phase in &plan.phases {
			let chunks = schedule::chunks(phase, admitted, number, commit.begin_phase());
			number += chunks.len();
			// A phase of one chunk runs on the merged state directly: nothing runs beside it.
			let runs = if commit.track && chunks.len() > 1 && !deadline.passed() {
				let execution = Instant::now();
				let runs = self.execute_chunks(parent, commit, &chunks, tracer);
				stats.execute += execution.elapsed();
				stats.busy += runs.iter().map(|run| run.busy).sum::<Duration>();
				Some(runs)
			} else {
				None
			};
			let mut runs = runs.map(Vec::into_iter);
			for chunk in &chunks {
				let run = runs.as_mut().and_then(Iterator::next);
				if deadline.passed() {
					inclusion
						.report_all(&chunk.members, chunk.members.iter().map(|_| Outcome::Late));
					continue
				}
				match run.map(|run| commit.try_keep(run, chunk.number, tracer)).transpose()? {
					Some(Ok(outcomes)) => {
						stats.parallel_extrinsics += Outcome::applied(&outcomes);
						tracer.record(TraceKind::Commit, chunk.number, None, || "kept".into());
						inclusion.report_all(&chunk.members, outcomes);
						continue
					},
					Some(Err(rejection)) => {
						log::debug!(
							target: crate::LOG_TARGET,
							"chunk {} (extrinsics from {}) runs again: {rejection}",
							chunk.number,
							chunk.start
						);
						stats.reexecuted_chunks += 1;
						stats.reexecuted_extrinsics += chunk.members.len();
						tracer.record(TraceKind::Commit, chunk.number, None, || {
							format!("rejected: {rejection}")
						})
					},
					None => {},
				}
				if deadline.passed() {
					inclusion
						.report_all(&chunk.members, chunk.members.iter().map(|_| Outcome::Late));
					continue
				}
				let outcomes =
					commit.reexecute(&*self.runtime, &chunk.members, chunk.number, tracer)?;
				tracer.record(TraceKind::Commit, chunk.number, None, || "executed".into());
				inclusion.report_all(&chunk.members, outcomes);
			}
		}
		Ok(())
	}

	/// Run every chunk of a phase on the pool, each over a clone of the base overlay and a
	/// read-tracking backend over the layer of what earlier phases wrote, in one runtime call.
	fn execute_chunks<H, S, X>(
		&self,
		parent: &S,
		commit: &Commit<'_, H, S>,
		chunks: &[Chunk<'_, X>],
		tracer: &Tracer,
	) -> Vec<ChunkRun>
	where
		H: sp_core::Hasher,
		H::Out: Ord + 'static + codec::Codec,
		S: Backend<H> + Sync,
		X: Encode + Sync,
	{
		// Overlays are not `Sync`: clone the base for every chunk here.
		let overlays: Vec<_> = chunks.iter().map(|_| commit.base.clone()).collect();
		let (layer, base, hot_keys) = (&commit.layer, &commit.base_state, &commit.hot_keys[..]);
		self.pool.install(|| {
			chunks
				.par_iter()
				.zip(overlays)
				.map(|(chunk, mut overlay)| {
					let (number, start, extrinsics) =
						(chunk.number, chunk.start, chunk.extrinsics());
					tracer.record(TraceKind::Start, number, None, || format!("chunk at {start}"));
					let tracking = TrackingBackend::new(parent, layer);
					let since = Instant::now();
					let outcomes =
						apply_all(&*self.runtime, &tracking, &mut overlay, start, &extrinsics).ok();
					tracer.record(TraceKind::Apply, number, Some(since), || {
						format!("extrinsics {start}..{}", start as usize + extrinsics.len())
					});
					let written = match outcomes {
						Some(_) => sort_out(&mut overlay, base, hot_keys),
						None => Ok(Vec::new()),
					};
					let reads = tracking.into_reads();
					if tracer.enabled() {
						for key in &reads.keys {
							tracer.record(TraceKind::Read, number, None, || hex(&key.key));
						}
					}
					ChunkRun { start, reads, outcomes, written, busy: since.elapsed() }
				})
				.collect()
		})
	}
}

/// Apply `extrinsics` as the block's extrinsics from `first_index` on, in one runtime call.
/// Atomic: if the call fails (a trap, a failing read, an answer of the wrong length), nothing of
/// it is in `overlay`.
fn apply_all<R, H, B, X>(
	runtime: &R,
	backend: &B,
	overlay: &mut OverlayedChanges<H>,
	first_index: u32,
	extrinsics: &[&X],
) -> Result<Vec<Outcome>, BuildError>
where
	R: RuntimeCalls,
	H: sp_core::Hasher,
	H::Out: Ord + 'static + codec::Codec,
	B: Backend<H>,
	X: Encode,
{
	if extrinsics.is_empty() {
		return Ok(Vec::new())
	}
	// One answer per extrinsic, or the call leaves nothing behind.
	let results: Vec<ApplyExtrinsicResult> = runtime.call_checked(
		backend,
		overlay,
		APPLY_MANY,
		(first_index, extrinsics),
		|results| Vec::len(results) == extrinsics.len(),
	)?;
	Ok(results
		.into_iter()
		.map(|result| match result {
			Ok(_) => Outcome::Applied,
			Err(error) => Outcome::Refused(error),
		})
		.collect())
}

/// Apply `extrinsics` from `first_index` on like [`apply_all`]; if the call fails, each half on
/// its own (the second from where the first ended), down to the single extrinsics that fail
/// alone, twice, which are [`Outcome::Failed`] and leave nothing behind.
pub(crate) fn apply_bisecting<R, H, B, X>(
	runtime: &R,
	backend: &B,
	overlay: &mut OverlayedChanges<H>,
	first_index: u32,
	extrinsics: &[&X],
) -> Vec<Outcome>
where
	R: RuntimeCalls,
	H: sp_core::Hasher,
	H::Out: Ord + 'static + codec::Codec,
	B: Backend<H>,
	X: Encode,
{
	match apply_all(runtime, backend, overlay, first_index, extrinsics) {
		Ok(outcomes) => outcomes,
		// Once more: a failing read of the parent state may pass the second time.
		Err(_) if extrinsics.len() == 1 =>
			match apply_all(runtime, backend, overlay, first_index, extrinsics) {
				Ok(outcomes) => outcomes,
				Err(error) => {
					log::debug!(
						target: crate::LOG_TARGET,
						"the extrinsic at index {first_index} fails alone, twice, and is left out: {error}"
					);
					vec![Outcome::Failed(error.to_string())]
				},
			},
		Err(error) => {
			log::debug!(
				target: crate::LOG_TARGET,
				"applying {} extrinsics from index {first_index} failed ({error}): in halves",
				extrinsics.len()
			);
			let (left, right) = extrinsics.split_at(extrinsics.len() / 2);
			let mut outcomes = apply_bisecting(runtime, backend, overlay, first_index, left);
			let next = first_index + Outcome::applied(&outcomes) as u32;
			outcomes.extend(apply_bisecting(runtime, backend, overlay, next, right));
			outcomes
		},
	}
}
