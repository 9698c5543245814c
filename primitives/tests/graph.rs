//! Property tests of `DependencyGraph` against a model: levels must respect every edge and be
//! as shallow as possible; a cycle is reported exactly when a depth-first search finds one.

use pex_primitives::{DependencyGraph, GraphError, NodeIndex};
use proptest::{collection::vec, prelude::*};

/// Dependencies of up to 12 nodes, possibly cyclic. Self and out-of-range edges are dropped.
fn dependencies(acyclic: bool) -> impl Strategy<Value = Vec<Vec<NodeIndex>>> {
	(1usize..12).prop_flat_map(move |len| {
		vec(vec(0..len as NodeIndex, 0..4), len).prop_map(move |deps| {
			deps.into_iter()
				.enumerate()
				.map(|(node, ds)| {
					ds.into_iter()
						.filter(|&d| if acyclic { (d as usize) < node } else { d as usize != node })
						.collect()
				})
				.collect()
		})
	})
}

/// Whether the graph has a cycle, by depth-first search with colours.
fn has_cycle(deps: &[Vec<NodeIndex>]) -> bool {
	fn visit(node: usize, deps: &[Vec<NodeIndex>], colour: &mut [u8]) -> bool {
		colour[node] = 1;
		for &d in &deps[node] {
			let d = d as usize;
			if colour[d] == 1 || (colour[d] == 0 && visit(d, deps, colour)) {
				return true;
			}
		}
		colour[node] = 2;
		false
	}
	let mut colour = vec![0u8; deps.len()];
	(0..deps.len()).any(|n| colour[n] == 0 && visit(n, deps, &mut colour))
}

fn level_of(levels: &[Vec<NodeIndex>], len: usize) -> Vec<usize> {
	let mut at = vec![usize::MAX; len];
	for (level, members) in levels.iter().enumerate() {
		for &n in members {
			assert_eq!(at[n as usize], usize::MAX, "node {n} in two levels");
			at[n as usize] = level;
		}
	}
	assert!(at.iter().all(|&l| l != usize::MAX), "every node placed");
	at
}

proptest! {
	#![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

	#[test]
	fn levels_respect_every_edge_and_are_as_shallow_as_possible(deps in dependencies(true)) {
		let graph = DependencyGraph::from_dependencies(&deps).expect("valid edges");
		let levels = graph.levels().expect("acyclic");
		let at = level_of(&levels, deps.len());
		for (node, ds) in deps.iter().enumerate() {
			for &d in ds {
				prop_assert!(at[d as usize] < at[node], "{} must come after {}", node, d);
			}
			// Kahn layering: one level after the deepest dependency.
			let expected = ds.iter().map(|&d| at[d as usize] + 1).max().unwrap_or(0);
			prop_assert_eq!(at[node], expected);
		}
		for level in &levels {
			prop_assert!(!level.is_empty() && level.windows(2).all(|w| w[0] < w[1]));
		}
	}

	#[test]
	fn a_cycle_is_reported_exactly_when_there_is_one_and_is_a_real_cycle(
		deps in dependencies(false),
	) {
		let graph = DependencyGraph::from_dependencies(&deps).expect("valid edges");
		match graph.levels() {
			Ok(levels) => {
				prop_assert!(!has_cycle(&deps));
				level_of(&levels, deps.len());
			},
			Err(GraphError::Cycle { members }) => {
				prop_assert!(has_cycle(&deps));
				prop_assert!(members.len() >= 2);
				prop_assert_eq!(Some(&members[0]), members.iter().min());
				let mut distinct = members.clone();
				distinct.sort_unstable();
				distinct.dedup();
				prop_assert_eq!(distinct.len(), members.len());
				for (i, &node) in members.iter().enumerate() {
					let next = members[(i + 1) % members.len()];
					prop_assert!(deps[node as usize].contains(&next), "{} -> {}", node, next);
				}
			},
			Err(other) => prop_assert!(false, "unexpected error {:?}", other),
		}
	}

	#[test]
	fn split_levels_keep_order_and_width(deps in dependencies(true), max in 1u32..4) {
		let graph = DependencyGraph::from_dependencies(&deps).expect("valid edges");
		let levels = graph.levels().expect("acyclic");
		let split = graph.levels_with_max_parallel(max).expect("acyclic, max > 0");
		prop_assert!(split.iter().all(|l| !l.is_empty() && l.len() <= max as usize));
		prop_assert_eq!(split.concat(), levels.concat());
		let at = level_of(&split, deps.len());
		for (node, ds) in deps.iter().enumerate() {
			prop_assert!(ds.iter().all(|&d| at[d as usize] < at[node]));
		}
	}
}
