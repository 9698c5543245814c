//! Property tests of `partition` against a naive model: the connected components
//! of the pairwise conflict relation (`AccessSet::conflicts_with`, quadratic and obvious).

mod common;

use common::to_set;
use pex_primitives::{partition, AccessKey, AccessSet, Group, TxIndex};
use proptest::{collection::vec, prelude::*};
use std::collections::BTreeSet;

/// A transaction's keys as a list, each with whether it is written; may repeat keys.
fn raw_set() -> impl Strategy<Value = Vec<(AccessKey, bool)>> {
	vec((common::access_key(1), any::<bool>()), 0..5)
}

/// The connected components of the conflict graph, found the slow, obvious way.
fn naive_partition(sets: &[AccessSet]) -> Vec<Vec<TxIndex>> {
	let mut component: Vec<usize> = (0..sets.len()).collect();
	for i in 0..sets.len() {
		for j in 0..i {
			if sets[i].conflicts_with(&sets[j]) && component[i] != component[j] {
				let (from, to) = (component[i], component[j]);
				component.iter_mut().filter(|c| **c == from).for_each(|c| *c = to);
			}
		}
	}
	let mut groups: Vec<Vec<TxIndex>> = Vec::new();
	let mut seen: Vec<(usize, usize)> = Vec::new();
	for (tx, c) in component.iter().enumerate() {
		match seen.iter().find(|(id, _)| id == c) {
			Some((_, at)) => groups[*at].push(tx as TxIndex),
			None => {
				seen.push((*c, groups.len()));
				groups.push(vec![tx as TxIndex]);
			},
		}
	}
	groups
}

fn members(groups: &[Group]) -> Vec<Vec<TxIndex>> {
	groups.iter().map(|g| g.members.clone()).collect()
}

proptest! {
	#![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

	#[test]
	fn partition_is_exactly_the_components_of_the_conflict_relation(
		raw in vec(raw_set(), 0..40),
	) {
		let sets: Vec<AccessSet> = raw.iter().map(|r| to_set(r)).collect();
		let groups = partition(&sets);
		prop_assert_eq!(members(&groups), naive_partition(&sets));
	}

	#[test]
	fn no_two_groups_conflict_and_every_index_appears_once(raw in vec(raw_set(), 0..40)) {
		let sets: Vec<AccessSet> = raw.iter().map(|r| to_set(r)).collect();
		let groups = partition(&sets);
		let mut seen = BTreeSet::new();
		for group in &groups {
			prop_assert!(group.members.windows(2).all(|w| w[0] < w[1]), "members ascend");
			for &tx in &group.members {
				prop_assert!(seen.insert(tx), "transaction {} in two groups", tx);
			}
		}
		prop_assert_eq!(seen.len(), sets.len());
		prop_assert!(groups.windows(2).all(|w| w[0].members[0] < w[1].members[0]));
		for (i, a) in groups.iter().enumerate() {
			for b in &groups[i + 1..] {
				for &x in &a.members {
					for &y in &b.members {
						prop_assert!(!sets[x as usize].conflicts_with(&sets[y as usize]));
					}
				}
			}
		}
	}

	#[test]
	fn reordering_keys_or_repeating_the_run_changes_nothing(
		raw in vec(raw_set(), 0..40),
		seed in any::<u64>(),
	) {
		let sets: Vec<AccessSet> = raw.iter().map(|r| to_set(r)).collect();
		let reordered: Vec<AccessSet> = raw
			.iter()
			.map(|r| {
				let mut keys = r.clone();
				keys.reverse();
				let shift = (seed as usize) % keys.len().max(1);
				keys.rotate_left(shift);
				to_set(&keys)
			})
			.collect();
		let first = partition(&sets);
		prop_assert_eq!(&partition(&reordered), &first);
		for _ in 0..100 {
			prop_assert_eq!(&partition(&sets), &first);
		}
	}

	#[test]
	fn permuting_transactions_permutes_the_groups(
		raw in vec(raw_set(), 1..40),
		seed in any::<u64>(),
	) {
		let sets: Vec<AccessSet> = raw.iter().map(|r| to_set(r)).collect();
		// A deterministic permutation from the seed: rotate, then reverse.
		let n = sets.len();
		let order: Vec<usize> = (0..n).map(|i| n - 1 - (i + seed as usize) % n).collect();
		let permuted: Vec<AccessSet> = order.iter().map(|&i| sets[i].clone()).collect();
		let as_components = |groups: Vec<Group>, map: &dyn Fn(TxIndex) -> usize| {
			groups
				.into_iter()
				.map(|g| g.members.into_iter().map(map).collect::<BTreeSet<_>>())
				.collect::<BTreeSet<_>>()
		};
		prop_assert_eq!(
			as_components(partition(&permuted), &|tx| order[tx as usize]),
			as_components(partition(&sets), &|tx| tx as usize)
		);
	}

}
