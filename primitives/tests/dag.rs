//! Property tests of `ConflictDag` against a naive model: the pairwise conflict relation
//! (`AccessSet::conflicts_with`) in pool order, with levels and critical paths computed over
//! every conflicting pair (quadratic and obvious).

use pex_primitives::{AccessKey, AccessSet, ConflictDag};
use proptest::{collection::vec, prelude::*};

/// Keys from small alphabets, so that equal keys and prefix overlaps are common.
fn access_key() -> impl Strategy<Value = AccessKey> {
	let bytes = || vec(0u8..3, 0..4);
	prop_oneof![
		(0u8..12).prop_map(|a| AccessKey::Account(vec![a])),
		bytes().prop_map(AccessKey::Storage),
		bytes().prop_map(AccessKey::StoragePrefix),
	]
}

/// Up to 24 transactions of up to 4 keys each, every key read or written.
fn sets() -> impl Strategy<Value = Vec<AccessSet>> {
	vec(vec((access_key(), any::<bool>()), 0..5), 0..24).prop_map(|raw| {
		raw.iter()
			.map(|keys| {
				keys.iter().fold(AccessSet::new(), |set, (key, is_write)| {
					if *is_write {
						set.write(key.clone())
					} else {
						set.read(key.clone())
					}
				})
			})
			.collect()
	})
}

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
		sets in sets(),
		costs in vec(0u64..100, 24),
	) {
		let dag = ConflictDag::new(&sets);
		let conflicts = earlier_conflicts(&sets);
		prop_assert_eq!(dag.len(), sets.len());

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
