//! Property tests of `partition` and `schedule` against a naive model: the connected components
//! of the pairwise conflict relation (`AccessSet::conflicts_with`, quadratic and obvious).

mod common;

use common::to_set;
use pex_primitives::{partition, schedule, AccessKey, AccessSet, Group, TxIndex};
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

/// The best makespan of any assignment of `costs` to `lanes`, if there are few enough.
fn brute_force_makespan(costs: &[u64], lanes: usize) -> Option<u64> {
	let assignments = (lanes as u64).checked_pow(costs.len() as u32)?;
	if assignments > 20_000 {
		return None;
	}
	let mut best = u64::MAX;
	for mut code in 0..assignments {
		let mut loads = vec![0u64; lanes];
		for &cost in costs {
			loads[(code % lanes as u64) as usize] += cost;
			code /= lanes as u64;
		}
		best = best.min(loads.into_iter().max().unwrap_or(0));
	}
	Some(best)
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

	#[test]
	fn schedule_places_every_group_once_and_stays_within_the_lpt_bound(
		costs in vec(0u64..1_000, 1..60),
		group_sizes in vec(1usize..4, 1..30),
		lanes in 1usize..6,
	) {
		let mut groups = Vec::new();
		let mut next = 0u32;
		for size in group_sizes {
			let members: Vec<TxIndex> =
				(next..next + size as u32).filter(|&tx| (tx as usize) < costs.len()).collect();
			if members.is_empty() {
				break;
			}
			next += size as u32;
			groups.push(Group { members });
		}
		let result = schedule(&groups, &costs, lanes).expect("lanes > 0 and every cost given");
		prop_assert_eq!(result.len(), lanes);
		let group_cost =
			|g: &Group| g.members.iter().map(|&tx| costs[tx as usize]).sum::<u64>();
		let mut placed: Vec<u32> = result.iter().flat_map(|l| l.groups.clone()).collect();
		placed.sort_unstable();
		prop_assert_eq!(placed, (0..groups.len() as u32).collect::<Vec<_>>());
		for lane in &result {
			let cost: u64 = lane.groups.iter().map(|&g| group_cost(&groups[g as usize])).sum();
			prop_assert_eq!(lane.cost, cost);
		}
		// Any greedy list schedule: the last group placed on the busiest lane found it at most
		// at the average load, so makespan <= total / lanes + largest group.
		let group_costs: Vec<u64> = groups.iter().map(group_cost).collect();
		let total: u64 = group_costs.iter().sum();
		let largest = group_costs.iter().copied().max().unwrap_or(0);
		let makespan = result.iter().map(|l| l.cost).max().unwrap_or(0);
		prop_assert!(makespan * lanes as u64 <= total + lanes as u64 * largest);
		// Graham: LPT's makespan <= (4/3 - 1/(3 lanes)) * optimum, checked on small instances.
		if let Some(optimum) = brute_force_makespan(&group_costs, lanes) {
			let m = lanes as u64;
			prop_assert!(
				3 * m * makespan <= (4 * m - 1) * optimum,
				"makespan {} vs optimum {} on {} lanes", makespan, optimum, lanes
			);
		}
		prop_assert_eq!(schedule(&groups, &costs, lanes), Ok(result));
	}
}
