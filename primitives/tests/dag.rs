//! Property tests of `ConflictDag` against a naive model: the pairwise conflict relation
//! (`AccessSet::conflicts_with`) in pool order, with levels and critical paths computed over
//! every conflicting pair (quadratic and obvious).

mod common;

use pex_primitives::{partition, AccessSet, ConflictDag};
use proptest::{collection::vec, prelude::*};

/// For each transaction, the earlier ones it conflicts with.
fn earlier_conflicts(sets: &[AccessSet]) -> Vec<Vec<usize>> {
	(0..sets.len())
		.map(|j| (0..j).filter(|&i| sets[i].conflicts_with(&sets[j])).collect())
		.collect()
}

proptest! {
	#![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

	#[test]
	fn levels_are_the_longest_chains_of_conflicts_and_the_order_keeps_every_conflict(
		sets in common::sets(24, 1),
		costs in vec(0u64..100, 24),
	) {
		let dag = ConflictDag::new(&sets);
		let conflicts = earlier_conflicts(&sets);
		prop_assert_eq!(dag.len(), sets.len());
		prop_assert_eq!(dag.components(), partition(&sets), "components are partition's groups");

		// Levels and finish times over every conflicting pair.
		let mut levels = vec![0u32; sets.len()];
		let mut finish = vec![0u64; sets.len()];
		for j in 0..sets.len() {
			levels[j] = conflicts[j].iter().map(|&i| levels[i] + 1).max().unwrap_or(0);
			finish[j] = conflicts[j].iter().map(|&i| finish[i]).max().unwrap_or(0) + costs[j];
		}
		prop_assert_eq!(dag.levels(), &levels[..]);
		prop_assert_eq!(dag.critical_path(&costs), Ok(finish.iter().copied().max().unwrap_or(0)));

		for (j, earlier) in (0..).zip(&conflicts) {
			let dependencies = dag.dependencies(j);
			prop_assert!(dependencies.windows(2).all(|w| w[0] < w[1]), "ascending, unique");
			for &d in dependencies {
				prop_assert!(earlier.contains(&(d as usize)), "{} conflicts with {}", j, d);
			}
		}

		let order = dag.order();
		let mut position = vec![usize::MAX; sets.len()];
		for (at, &tx) in order.iter().enumerate() {
			prop_assert_eq!(position[tx as usize], usize::MAX, "{} placed twice", tx);
			position[tx as usize] = at;
		}
		prop_assert!(position.iter().all(|&p| p != usize::MAX), "every transaction placed");
		for (j, earlier) in conflicts.iter().enumerate() {
			for &i in earlier {
				prop_assert!(position[i] < position[j], "{} must stay before {}", i, j);
			}
		}
	}
}
