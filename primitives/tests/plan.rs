//! Property tests of `plan` against the naive conflict relation: every transaction runs exactly
//! once, chunks of one phase never conflict, each transaction runs after everything earlier it
//! conflicts with, and the block order keeps every conflicting pair in pool order.

mod common;

use pex_primitives::plan;
use proptest::{collection::vec, prelude::*};

proptest! {
	#![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

	#[test]
	fn a_plan_runs_everything_once_and_keeps_every_conflict_in_pool_order(
		// Accounts dominate, as transfers do.
		sets in common::sets(32, 4),
		costs in vec(1u64..100, 32),
		lanes in 1usize..5,
		barrier in 0u64..60,
	) {
		let plan = plan(&sets, &costs, lanes, barrier).expect("lanes and costs given");
		prop_assert_eq!(&plan, &pex_primitives::plan(&sets, &costs, lanes, barrier).unwrap());

		// Where each transaction runs: (phase, chunk, position in the chunk).
		let mut at = vec![None; sets.len()];
		for (p, phase) in plan.phases.iter().enumerate() {
			prop_assert!(!phase.chunks.is_empty() && phase.chunks.len() <= lanes);
			for (c, chunk) in phase.chunks.iter().enumerate() {
				prop_assert!(!chunk.is_empty());
				for (i, &tx) in chunk.iter().enumerate() {
					prop_assert!(at[tx as usize].is_none(), "{} runs twice", tx);
					at[tx as usize] = Some((p, c, i));
				}
			}
		}
		let at: Vec<(usize, usize, usize)> =
			at.into_iter().map(|a| a.expect("every transaction runs")).collect();

		let order = plan.order();
		let mut position = vec![0; sets.len()];
		for (i, &tx) in order.iter().enumerate() {
			position[tx as usize] = i;
		}
		for j in 0..sets.len() {
			for i in 0..j {
				if !sets[i].conflicts_with(&sets[j]) {
					continue;
				}
				let (before, after) = (at[i], at[j]);
				let same_chunk = before.0 == after.0 && before.1 == after.1;
				prop_assert!(
					before.0 < after.0 || (same_chunk && before.2 < after.2),
					"{} at {:?} must run before {} at {:?}", i, before, j, after
				);
				prop_assert!(position[i] < position[j]);
			}
		}
	}
}
