//! Dependency graphs: which node must come after which, in levels that can run together.

use alloc::{vec, vec::Vec};

/// A node of a [`DependencyGraph`]: its position in the input (e.g. in a deployment batch).
pub type NodeIndex = u32;

/// Why a dependency graph was rejected. Every variant names the nodes involved.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum GraphError {
	/// A dependency names a node that is not in the graph.
	#[error("node {node} depends on {dependency}, which is not one of the {len} nodes")]
	UnknownDependency {
		/// The node that declared the dependency.
		node: NodeIndex,
		/// The missing dependency.
		dependency: NodeIndex,
		/// How many nodes the graph has.
		len: u32,
	},
	/// A node was added a dependency although it is not in the graph.
	#[error("node {node} is not one of the {len} nodes")]
	UnknownNode {
		/// The missing node.
		node: NodeIndex,
		/// How many nodes the graph has.
		len: u32,
	},
	/// A node depends on itself.
	#[error("node {node} depends on itself")]
	SelfDependency {
		/// The node.
		node: NodeIndex,
	},
	/// The dependencies form a cycle, so no order satisfies them.
	#[error("dependency cycle: {members:?}")]
	Cycle {
		/// The nodes of one cycle, in order: each depends on the next, the last on the first.
		/// Starts at the cycle's smallest node, so the report is deterministic.
		members: Vec<NodeIndex>,
	},
	/// More than `u32::MAX` nodes were given.
	#[error("more than u32::MAX nodes")]
	TooManyNodes,
	/// [`DependencyGraph::levels_with_max_parallel`] was asked for levels of zero nodes.
	#[error("a level must hold at least one node")]
	ZeroParallelism,
}

/// Nodes `0..len` and, for each, the nodes it depends on.
///
/// Invariant: every stored dependency names a node of the graph other than the node itself
/// ([`DependencyGraph::add_dependency`] rejects the rest); duplicate edges are stored once.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct DependencyGraph {
	/// `dependencies[n]`: the nodes `n` depends on, ascending, without duplicates.
	dependencies: Vec<Vec<NodeIndex>>,
}

impl DependencyGraph {
	/// A graph of `len` nodes and no dependencies.
	pub fn new(len: u32) -> Self {
		DependencyGraph { dependencies: vec![Vec::new(); len as usize] }
	}

	/// A graph where node `n` depends on every node in `dependencies[n]`.
	pub fn from_dependencies(dependencies: &[Vec<NodeIndex>]) -> Result<Self, GraphError> {
		let len = u32::try_from(dependencies.len()).map_err(|_| GraphError::TooManyNodes)?;
		let mut graph = DependencyGraph::new(len);
		for (node, deps) in (0..len).zip(dependencies) {
			for &dependency in deps {
				graph.add_dependency(node, dependency)?;
			}
		}
		Ok(graph)
	}

	/// How many nodes the graph has.
	pub fn len(&self) -> u32 {
		self.dependencies.len() as u32
	}

	/// Whether the graph has no nodes.
	pub fn is_empty(&self) -> bool {
		self.dependencies.is_empty()
	}

	/// Record that `node` must come after `dependency`. Adding an edge twice is a no-op.
	pub fn add_dependency(
		&mut self,
		node: NodeIndex,
		dependency: NodeIndex,
	) -> Result<(), GraphError> {
		let len = self.len();
		if dependency >= len {
			return Err(GraphError::UnknownDependency { node, dependency, len });
		}
		if node == dependency {
			return Err(GraphError::SelfDependency { node });
		}
		let deps = self
			.dependencies
			.get_mut(node as usize)
			.ok_or(GraphError::UnknownNode { node, len })?;
		if let Err(at) = deps.binary_search(&dependency) {
			deps.insert(at, dependency);
		}
		Ok(())
	}

	/// The nodes `node` depends on, ascending; empty for a node outside the graph.
	pub fn dependencies(&self, node: NodeIndex) -> &[NodeIndex] {
		self.dependencies.get(node as usize).map_or(&[], Vec::as_slice)
	}

	/// The nodes in levels (Kahn's layering): level 0 holds the nodes without dependencies, and
	/// each node sits one level after its deepest dependency.
	///
	/// Invariants: every node in exactly one level; every dependency of a node in an earlier
	/// level than the node (so a level's members never depend on each other); members of a level
	/// ascending; no empty level. A cycle is [`GraphError::Cycle`], naming one cycle's members.
	pub fn levels(&self) -> Result<Vec<Vec<NodeIndex>>, GraphError> {
		let len = self.dependencies.len();
		let mut dependents: Vec<Vec<NodeIndex>> = vec![Vec::new(); len];
		let mut waiting_on: Vec<usize> = Vec::with_capacity(len);
		for (node, deps) in self.dependencies.iter().enumerate() {
			waiting_on.push(deps.len());
			deps.iter().for_each(|&dep| dependents[dep as usize].push(node as NodeIndex));
		}

		let mut level: Vec<NodeIndex> =
			(0..len).filter(|&n| waiting_on[n] == 0).map(|n| n as NodeIndex).collect();
		let mut levels = Vec::new();
		let mut placed = 0;
		while !level.is_empty() {
			let mut next = Vec::new();
			for &node in &level {
				for &dependent in &dependents[node as usize] {
					waiting_on[dependent as usize] -= 1;
					if waiting_on[dependent as usize] == 0 {
						next.push(dependent);
					}
				}
			}
			next.sort_unstable();
			placed += level.len();
			levels.push(core::mem::replace(&mut level, next));
		}

		if placed < len {
			return Err(GraphError::Cycle { members: self.find_cycle(&waiting_on) });
		}
		Ok(levels)
	}

	/// [`DependencyGraph::levels`] with every level wider than `max_parallel` split, in order,
	/// into chunks of at most `max_parallel` nodes. Keeps every invariant of `levels`.
	pub fn levels_with_max_parallel(
		&self,
		max_parallel: u32,
	) -> Result<Vec<Vec<NodeIndex>>, GraphError> {
		if max_parallel == 0 {
			return Err(GraphError::ZeroParallelism);
		}
		let levels = self.levels()?;
		Ok(levels
			.iter()
			.flat_map(|level| level.chunks(max_parallel as usize).map(<[NodeIndex]>::to_vec))
			.collect())
	}

	/// One cycle among the nodes Kahn's algorithm could not place (`waiting_on[n] > 0`).
	///
	/// Each unplaced node waits on at least one unplaced dependency, so walking from the
	/// smallest unplaced node to its smallest unplaced dependency, again and again, must revisit
	/// a node: the walk from that node's first visit is a cycle.
	fn find_cycle(&self, waiting_on: &[usize]) -> Vec<NodeIndex> {
		let unplaced = |n: NodeIndex| waiting_on[n as usize] > 0;
		let Some(start) = (0..self.len()).find(|&n| unplaced(n)) else { return Vec::new() };
		let mut visited_at = vec![usize::MAX; self.dependencies.len()];
		let mut walk = Vec::new();
		let mut node = start;
		while visited_at[node as usize] == usize::MAX {
			visited_at[node as usize] = walk.len();
			walk.push(node);
			match self.dependencies(node).iter().copied().find(|&dep| unplaced(dep)) {
				Some(dep) => node = dep,
				// Impossible by the argument above; an empty report beats a panic.
				None => return walk,
			}
		}
		let mut cycle = walk.split_off(visited_at[node as usize]);
		let smallest = cycle.iter().enumerate().min_by_key(|(_, n)| **n).map_or(0, |(at, _)| at);
		cycle.rotate_left(smallest);
		cycle
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_factory_token_router_suite_deploys_in_three_levels() {
		// 0 = Router (needs Token and Factory), 1 = Token (needs Factory), 2 = Factory, 3 = Oracle.
		let graph = DependencyGraph::from_dependencies(&[vec![1, 2], vec![2], vec![], vec![]])
			.expect("valid graph");
		assert_eq!(graph.levels(), Ok(vec![vec![2, 3], vec![1], vec![0]]));
	}

	#[test]
	fn a_cycle_is_reported_with_its_members_from_the_smallest() {
		// 0 -> 1 -> 3 -> 2 -> 1: the cycle is 1, 3, 2; node 0 only leads into it.
		let graph = DependencyGraph::from_dependencies(&[vec![1], vec![3], vec![1], vec![2]])
			.expect("edges are valid");
		assert_eq!(graph.levels(), Err(GraphError::Cycle { members: vec![1, 3, 2] }));
	}

	#[test]
	fn unknown_and_self_dependencies_are_errors() {
		assert_eq!(
			DependencyGraph::from_dependencies(&[vec![], vec![5]]),
			Err(GraphError::UnknownDependency { node: 1, dependency: 5, len: 2 })
		);
		assert_eq!(
			DependencyGraph::from_dependencies(&[vec![0]]),
			Err(GraphError::SelfDependency { node: 0 })
		);
		assert_eq!(
			DependencyGraph::new(1).add_dependency(3, 0),
			Err(GraphError::UnknownNode { node: 3, len: 1 })
		);
	}

	#[test]
	fn duplicate_edges_count_once() {
		let graph = DependencyGraph::from_dependencies(&[vec![1, 1], vec![]]).expect("valid graph");
		assert_eq!(graph.dependencies(0), &[1]);
		assert_eq!(graph.levels(), Ok(vec![vec![1], vec![0]]));
	}

	#[test]
	fn wide_levels_are_split_in_order() {
		let graph = DependencyGraph::from_dependencies(&[vec![], vec![], vec![], vec![0, 1, 2]])
			.expect("valid graph");
		assert_eq!(graph.levels_with_max_parallel(2), Ok(vec![vec![0, 1], vec![2], vec![3]]));
		assert_eq!(graph.levels_with_max_parallel(0), Err(GraphError::ZeroParallelism));
	}

	#[test]
	fn an_empty_graph_has_no_levels() {
		assert_eq!(DependencyGraph::new(0).levels(), Ok(Vec::new()));
	}
}
