//! Step 2, admission: what the runtime says of each candidate, and which candidates fit the
//! block.
//!
//! Candidates are described in a few long runtime calls (`ParallelExecutionApi::describe`), each
//! holding at most [`DESCRIBE_CALL_BYTES`] of encoded candidates (or one candidate), so that no
//! call's input comes near the runtime allocator's largest allocation, whatever the thread
//! count. A call that fails is split in halves down to single candidates: the candidate that
//! fails alone is left out as [`LeftOutReason::Malformed`], and only it. A candidate longer than
//! any class of the block may still hold is left out before any call
//! ([`LeftOutReason::DidNotFit`]). What each candidate is described as therefore does not depend on
//! how candidates were cut into calls, and so not on the thread count.

use crate::{runtime::Calls, Inclusion, LeftOut, LeftOutReason, RuntimeCalls};
use codec::Encode;
use pex_primitives::{BlockCapacity, ClassCapacity, ExtrinsicClass, ExtrinsicInfo};
use sp_runtime::{transaction_validity::InvalidTransaction, Weight};
use sp_state_machine::{Backend, OverlayedChanges};
use std::ops::Range;

/// Encoded bytes of candidates in one `describe` call, unless a single candidate is longer. Far
/// below the 32 MiB the runtime's allocator gives at most in one piece.
pub(crate) const DESCRIBE_CALL_BYTES: usize = 4 << 20;

const DESCRIBE: &str = "ParallelExecutionApi_describe";

/// A candidate with what the runtime said of it.
pub(crate) struct Candidate<X> {
	/// Its position in the candidates given to the builder (pool order).
	pub(crate) position: usize,
	pub(crate) extrinsic: X,
	pub(crate) info: ExtrinsicInfo,
}

/// The candidates, described: in pool order, and the ones left out already.
pub(crate) struct Described<X> {
	pub(crate) candidates: Vec<Candidate<X>>,
	pub(crate) left_out: Vec<LeftOut<X>>,
}

/// Describe every candidate, on `pool`, against the state `base` (the base overlay on `parent`).
pub(crate) fn describe<R, H, S, X>(
	runtime: &R,
	pool: &rayon::ThreadPool,
	parent: &S,
	base: &OverlayedChanges<H>,
	capacity: &BlockCapacity,
	candidates: Vec<X>,
) -> Described<X>
where
	R: RuntimeCalls,
	H: sp_core::Hasher,
	H::Out: Ord + 'static + codec::Codec,
	S: Backend<H> + Sync,
	X: Encode + Sync,
{
	use rayon::prelude::*;
	let longest = capacity.normal.length.max(capacity.operational.length) as usize;
	let lengths: Vec<usize> = candidates.iter().map(Encode::encoded_size).collect();
	let fitting: Vec<usize> = (0..candidates.len()).filter(|&i| lengths[i] <= longest).collect();
	let fitting_lengths: Vec<usize> = fitting.iter().map(|&i| lengths[i]).collect();
	let calls = describe_calls(&fitting_lengths, pool.current_num_threads());
	// Overlays are not `Sync`: one clone of the base per call, made here.
	let overlays: Vec<_> = calls.iter().map(|_| base.clone()).collect();
	let infos: Vec<Vec<Result<ExtrinsicInfo, String>>> = pool.install(|| {
		calls
			.par_iter()
			.zip(overlays)
			.map(|(call, mut overlay)| {
				let extrinsics: Vec<&X> =
					fitting[call.clone()].iter().map(|&i| &candidates[i]).collect();
				describe_bisecting(runtime, parent, &mut overlay, &extrinsics)
			})
			.collect()
	});
	let mut infos = fitting.into_iter().zip(infos.into_iter().flatten()).peekable();
	let mut described = Described { candidates: Vec::new(), left_out: Vec::new() };
	for (position, extrinsic) in candidates.into_iter().enumerate() {
		let info = match infos.next_if(|(at, _)| *at == position) {
			Some((_, info)) => info,
			None => {
				let reason = LeftOutReason::DidNotFit;
				described.left_out.push(LeftOut { position, extrinsic, reason });
				continue
			},
		};
		match info {
			Ok(info) => described.candidates.push(Candidate { position, extrinsic, info }),
			Err(message) => {
				let reason = LeftOutReason::Malformed(message);
				described.left_out.push(LeftOut { position, extrinsic, reason });
			},
		}
	}
	described
}

/// Cut candidates of `lengths` (encoded bytes, in order) into runs of consecutive candidates, one
/// runtime call each: about one per thread, none over [`DESCRIBE_CALL_BYTES`] unless it holds one
/// candidate.
pub(crate) fn describe_calls(lengths: &[usize], threads: usize) -> Vec<Range<usize>> {
	let per_thread = lengths.len().div_ceil(threads.max(1)).max(1);
	let mut calls = Vec::new();
	let (mut start, mut bytes) = (0, 0);
	for (index, &length) in lengths.iter().enumerate() {
		let full = index - start == per_thread || bytes + length > DESCRIBE_CALL_BYTES;
		if index > start && full {
			calls.push(start..index);
			(start, bytes) = (index, 0);
		}
		bytes += length;
	}
	if start < lengths.len() {
		calls.push(start..lengths.len());
	}
	calls
}

/// Describe `extrinsics` in one call; if it fails, each half on its own, down to single
/// candidates. A candidate that cannot be described alone, twice (a failing read of the parent
/// state may pass the second time, and a malformed candidate is dropped from the pool), gets the
/// call's error.
fn describe_bisecting<R, H, S, X>(
	runtime: &R,
	parent: &S,
	overlay: &mut OverlayedChanges<H>,
	extrinsics: &[&X],
) -> Vec<Result<ExtrinsicInfo, String>>
where
	R: RuntimeCalls,
	H: sp_core::Hasher,
	H::Out: Ord + 'static + codec::Codec,
	S: Backend<H>,
	X: Encode,
{
	if extrinsics.is_empty() {
		return Vec::new()
	}
	let error = match describe_all(runtime, parent, overlay, extrinsics) {
		Ok(infos) => return infos.into_iter().map(Ok).collect(),
		Err(error) => error,
	};
	if extrinsics.len() == 1 {
		let retried = describe_all(runtime, parent, overlay, extrinsics);
		return vec![retried.and_then(|mut infos| infos.pop().ok_or(error))]
	}
	let (left, right) = extrinsics.split_at(extrinsics.len() / 2);
	let mut infos = describe_bisecting(runtime, parent, overlay, left);
	infos.extend(describe_bisecting(runtime, parent, overlay, right));
	infos
}

/// Describe `extrinsics` in one call: one description each, or the call's error.
fn describe_all<R, H, S, X>(
	runtime: &R,
	parent: &S,
	overlay: &mut OverlayedChanges<H>,
	extrinsics: &[&X],
) -> Result<Vec<ExtrinsicInfo>, String>
where
	R: RuntimeCalls,
	H: sp_core::Hasher,
	H::Out: Ord + 'static + codec::Codec,
	S: Backend<H>,
	X: Encode,
{
	match runtime.query::<_, _, Vec<ExtrinsicInfo>>(parent, overlay, DESCRIBE, extrinsics) {
		Ok(infos) if infos.len() == extrinsics.len() => Ok(infos),
		Ok(infos) => Err(format!(
			"{DESCRIBE} answered {} descriptions for {}",
			infos.len(),
			extrinsics.len()
		)),
		Err(error) => Err(error.to_string()),
	}
}

/// The extrinsic weight `info` takes from its class: dispatch weight, the class's base weight,
/// and the encoded length as proof size.
fn extrinsic_weight(class: &ClassCapacity, info: &ExtrinsicInfo) -> Weight {
	info.weight
		.saturating_add(class.base_extrinsic)
		.saturating_add(Weight::from_parts(0, info.length.into()))
}

/// Admit an extrinsic described by `info` if it fits `capacity`, and take its share.
pub(crate) fn admit_one(
	capacity: &mut BlockCapacity,
	info: &ExtrinsicInfo,
) -> Result<(), LeftOutReason> {
	let class: &mut ClassCapacity = match info.class {
		ExtrinsicClass::Normal => &mut capacity.normal,
		ExtrinsicClass::Operational => &mut capacity.operational,
		ExtrinsicClass::Mandatory =>
			return Err(LeftOutReason::Invalid(InvalidTransaction::BadMandatory.into())),
	};
	let weight = extrinsic_weight(class, info);
	if !weight.all_lte(class.weight) ||
		!weight.all_lte(capacity.total_weight) ||
		info.length > class.length
	{
		return Err(LeftOutReason::DidNotFit)
	}
	class.weight = class.weight.saturating_sub(weight);
	capacity.total_weight = capacity.total_weight.saturating_sub(weight);
	capacity.normal.length = capacity.normal.length.saturating_sub(info.length);
	capacity.operational.length = capacity.operational.length.saturating_sub(info.length);
	Ok(())
}

/// Whether an extrinsic described by `info` fits `capacity` on its own.
pub(crate) fn fits(capacity: &BlockCapacity, info: &ExtrinsicInfo) -> bool {
	let mut capacity = *capacity;
	admit_one(&mut capacity, info).is_ok()
}

/// `capacity` with every weight and length multiplied by `factor` (saturating): the budget of a
/// refill round that expects some of what it admits to be refused.
pub(crate) fn scaled(capacity: &BlockCapacity, factor: u64) -> BlockCapacity {
	let class = |class: &ClassCapacity| ClassCapacity {
		weight: class.weight.saturating_mul(factor),
		base_extrinsic: class.base_extrinsic,
		length: u32::try_from(u64::from(class.length).saturating_mul(factor)).unwrap_or(u32::MAX),
	};
	BlockCapacity {
		normal: class(&capacity.normal),
		operational: class(&capacity.operational),
		total_weight: capacity.total_weight.saturating_mul(factor),
	}
}

/// Admit described candidates in pool order while they fit `capacity`; the others are returned
/// second, in pool order, for the refill rounds. A mandatory extrinsic is never a candidate.
pub(crate) fn admit<X: Clone>(
	mut capacity: BlockCapacity,
	candidates: Vec<Candidate<X>>,
	inclusion: &mut Inclusion<X>,
) -> (Vec<Candidate<X>>, Vec<Candidate<X>>) {
	let (mut admitted, mut postponed) = (Vec::new(), Vec::new());
	for candidate in candidates {
		match admit_one(&mut capacity, &candidate.info) {
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

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn describe_calls_stay_under_the_byte_limit_unless_one_candidate_is_longer() {
		let mib = 1 << 20;
		// Twelve 3 MiB candidates: one per call, whatever the thread count.
		for threads in [1, 2, 8] {
			let calls = describe_calls(&[3 * mib; 12], threads);
			assert_eq!(calls.len(), 12, "{threads} threads");
		}
		// One 5 MiB candidate between small ones gets a call of its own.
		let calls = describe_calls(&[100, 5 * mib, 100, 100], 1);
		assert_eq!(calls, vec![0..1, 1..2, 2..4]);
		for call in describe_calls(&[mib; 10], 1) {
			assert!(call.len() <= DESCRIBE_CALL_BYTES / mib);
		}
	}

	#[test]
	fn describe_calls_cover_every_candidate_once_in_order_about_one_per_thread() {
		let lengths = vec![150; 1_000];
		for threads in [1, 2, 3, 8] {
			let calls = describe_calls(&lengths, threads);
			assert_eq!(calls.len(), threads);
			assert_eq!(calls.first().map(|c| c.start), Some(0));
			assert_eq!(calls.last().map(|c| c.end), Some(1_000));
			assert!(calls.windows(2).all(|w| w[0].end == w[1].start));
		}
		assert!(describe_calls(&[], 2).is_empty());
	}

	#[test]
	fn a_scaled_capacity_multiplies_weights_and_lengths_but_not_the_base_weight() {
		let class = ClassCapacity {
			weight: Weight::from_parts(10, 20),
			base_extrinsic: Weight::from_parts(1, 1),
			length: u32::MAX / 2 + 1,
		};
		let capacity = BlockCapacity {
			normal: class,
			operational: class,
			total_weight: Weight::from_parts(30, 40),
		};
		let doubled = scaled(&capacity, 2);
		assert_eq!(doubled.normal.weight, Weight::from_parts(20, 40));
		assert_eq!(doubled.normal.base_extrinsic, Weight::from_parts(1, 1));
		assert_eq!(doubled.normal.length, u32::MAX, "saturates");
		assert_eq!(doubled.total_weight, Weight::from_parts(60, 80));
	}
}
