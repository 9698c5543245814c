//! Step 7, refill: extrinsics the runtime refused gave back the capacity admission reserved for
//! them; candidates that did not fit are admitted in rounds on the merged state while the
//! runtime's capacity holds one of them.

use crate::{
	admission::{self, Candidate},
	execute::Deadline,
	trace::Tracer,
	BuildError, BuildStats, Commit, Inclusion, Outcome, ParallelBlockBuilder, RuntimeCalls,
	TraceKind,
};
use codec::Encode;
use sp_state_machine::Backend;

/// The most refill rounds a build runs (step 7). Round `r` (from 1) may admit `2^(r-1)` times
/// the capacity left, so the last one covers `2^15` blocks' worth of candidates.
pub const MAX_REFILL_ROUNDS: usize = 16;

/// Candidates of a refill round applied in one runtime call: the deadline is checked between
/// calls.
const REFILL_CALL_EXTRINSICS: usize = 512;

impl<R: RuntimeCalls> ParallelBlockBuilder<R> {
	/// Step 7: while candidates that did not fit remain and one of them fits the capacity the
	/// runtime reports on the merged state, admit more of them in pool order and apply them on
	/// the merged state (in runtime calls of at most [`REFILL_CALL_EXTRINSICS`], the deadline
	/// checked between them). Round `r` (from 1) admits up to `2^(r-1)` times the
	/// capacity left, so that refused extrinsics cannot hold the block back for long; what does
	/// not fit any more the runtime refuses (`ExhaustsResources`), and it stays out. Returns the
	/// candidates still waiting, in pool order.
	pub(crate) fn refill<H, S, X>(
		&self,
		commit: &mut Commit<'_, H, S>,
		mut waiting: Vec<Candidate<X>>,
		deadline: &Deadline,
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
			if waiting.is_empty() || deadline.passed() {
				break
			}
			let capacity = commit.capacity(&*self.runtime)?;
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
				if deadline.passed() {
					outcomes.extend(call.iter().map(|_| Outcome::Late));
					continue
				}
				let position = commit.next_index as usize;
				let members: Vec<&Candidate<X>> = call.iter().collect();
				outcomes.extend(commit.reexecute(&*self.runtime, &members, position, tracer)?);
				tracer.record(TraceKind::Commit, position, None, || {
					format!("refill round {}", round + 1)
				});
			}
			stats.refilled_extrinsics += Outcome::applied(&outcomes);
			inclusion.report_all(&chosen.iter().collect::<Vec<_>>(), outcomes);
		}
		Ok(waiting)
	}
}
