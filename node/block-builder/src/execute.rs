//! Step 4: the chunks of a phase run on the builder's pool, each in one runtime call over a clone
//! of the base overlay and a read-tracking backend over the layer of the block's writes so far.
//! Also the runtime calls that apply runs of extrinsics, used by the commit too.

use crate::{
	trace::{hex, Tracer},
	tracking::{Reads, TrackingBackend},
	BuildError, Commit, Outcome, ParallelBlockBuilder, TraceKind, WasmRuntime,
};
use codec::Encode;
use rayon::prelude::*;
use sp_runtime::ApplyExtrinsicResult;
use sp_state_machine::{Backend, OverlayedChanges};
use std::time::{Duration, Instant};

const APPLY_MANY: &str = "ParallelExecutionApi_apply_extrinsics";

/// A chunk of a phase of the plan, ready to run on a lane.
pub(crate) struct Chunk<'a, X> {
	/// Its number in the plan, over all phases (for the trace).
	pub(crate) number: usize,
	/// The block index of its first extrinsic.
	pub(crate) start: u32,
	/// Its extrinsics, in block order.
	pub(crate) extrinsics: Vec<&'a X>,
}

/// The parallel run of a chunk: its extrinsics one after another in one runtime call, over the
/// base and the layer of what earlier phases wrote.
pub(crate) struct ChunkRun<H: sp_core::Hasher> {
	/// The index its first extrinsic was given.
	pub(crate) start: u32,
	pub(crate) overlay: OverlayedChanges<H>,
	pub(crate) reads: Reads,
	/// `None` if the run failed as a whole (a trap, a failing read, a panic).
	pub(crate) outcomes: Option<Vec<Outcome>>,
	/// How long the chunk took on its lane.
	pub(crate) busy: Duration,
}

impl ParallelBlockBuilder {
	/// Run every chunk of a phase on the pool, each over a clone of the base overlay and a
	/// read-tracking backend over the layer of what earlier phases wrote, in one runtime call.
	pub(crate) fn execute_chunks<H, S, X>(
		&self,
		parent: &S,
		commit: &Commit<'_, H, S>,
		chunks: &[Chunk<'_, X>],
		tracer: &Tracer,
	) -> Vec<ChunkRun<H>>
	where
		H: sp_core::Hasher,
		H::Out: Ord + 'static + codec::Codec,
		S: Backend<H> + Sync,
		X: Encode + Sync,
	{
		// Overlays are not `Sync`: clone the base for every chunk here.
		let overlays: Vec<_> = chunks.iter().map(|_| commit.base.clone()).collect();
		let layer = &commit.layer;
		self.pool.install(|| {
			chunks
				.par_iter()
				.zip(overlays)
				.map(|(chunk, mut overlay)| {
					let (number, start, extrinsics) =
						(chunk.number, chunk.start, &chunk.extrinsics);
					tracer.record(TraceKind::Start, number, None, || format!("chunk at {start}"));
					let tracking = TrackingBackend::new(parent, layer);
					let since = Instant::now();
					let outcomes =
						apply_all(&self.runtime, &tracking, &mut overlay, start, extrinsics).ok();
					tracer.record(TraceKind::Apply, number, Some(since), || {
						format!("extrinsics {start}..{}", start as usize + extrinsics.len())
					});
					let reads = tracking.into_reads();
					if tracer.enabled() {
						for (_, key) in &reads.keys {
							tracer.record(TraceKind::Read, number, None, || hex(key));
						}
					}
					ChunkRun { start, overlay, reads, outcomes, busy: since.elapsed() }
				})
				.collect()
		})
	}
}

/// Apply `extrinsics` as the block's extrinsics from `first_index` on, in one runtime call.
/// Atomic: if the call fails (a trap, a failing read), nothing of it is in `overlay`.
fn apply_all<H, B, X>(
	runtime: &WasmRuntime,
	backend: &B,
	overlay: &mut OverlayedChanges<H>,
	first_index: u32,
	extrinsics: &[&X],
) -> Result<Vec<Outcome>, BuildError>
where
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
/// alone, which are [`Outcome::Failed`] and leave nothing behind.
pub(crate) fn apply_bisecting<H, B, X>(
	runtime: &WasmRuntime,
	backend: &B,
	overlay: &mut OverlayedChanges<H>,
	first_index: u32,
	extrinsics: &[&X],
) -> Vec<Outcome>
where
	H: sp_core::Hasher,
	H::Out: Ord + 'static + codec::Codec,
	B: Backend<H>,
	X: Encode,
{
	match apply_all(runtime, backend, overlay, first_index, extrinsics) {
		Ok(outcomes) => outcomes,
		Err(error) if extrinsics.len() == 1 => {
			log::debug!(
				target: crate::LOG_TARGET,
				"the extrinsic at index {first_index} fails alone and is left out: {error}"
			);
			vec![Outcome::Failed(error.to_string())]
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
