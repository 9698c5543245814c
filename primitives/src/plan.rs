//! An execution plan by dependency, not by component: which transactions run together on which
//! lane, where the barriers (merges) are, and the block order that follows.
//!
//! A barrier costs a merge of every lane's writes and new runtime calls, so the plan decides with
//! a cost model ([`plan`]):
//! - a component that costs at most a lane's share of the block stays whole, in one chunk with no
//!   barrier inside;
//! - a larger component is cut by the levels of its [`ConflictDag`]: a level's transactions
//!   conflict with none of each other, so they spread over the lanes;
//! - a run of thin levels (whose parallel execution saves less than a barrier costs) is executed as
//!   one sequential chunk instead;
//! - a component that gains nothing from cutting (an all-conflict chain) stays whole: the
//!   sequential path.
//!
//! The plan is a pure function of the access sets in pool order, the costs, the lane count and
//! the barrier cost. The lane count is a parameter of the plan, not the builder's thread count:
//! the block order ([`ExecutionPlan::order`]) must not change with the threads, so a builder
//! plans for a fixed number of lanes and runs them on however many threads it has.

use crate::{partition, schedule, AccessSet, ConflictDag, Group, ScheduleError, TxIndex};
use alloc::{vec, vec::Vec};

/// Transactions one lane runs in one runtime call, in this order.
pub type Chunk = Vec<TxIndex>;

/// Chunks that run at the same time, followed by a barrier (a merge of their writes).
///
/// Invariant: no transaction of one chunk conflicts with a transaction of another chunk of the
/// same phase; chunks are non-empty.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Phase {
	/// At most one chunk per lane, in lane order.
	pub chunks: Vec<Chunk>,
}

/// The phases of a block, in execution order.
///
/// Invariants: every transaction is in exactly one chunk; every dependency of a transaction
/// (see [`ConflictDag`]) is in an earlier phase or earlier in the same chunk, so running the
/// phases in order, each chunk's transactions in order, has the result of running the
/// transactions in pool order.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct ExecutionPlan {
	/// The phases, in execution order.
	pub phases: Vec<Phase>,
	/// The shape of the transactions the plan was made for.
	pub shape: Shape,
}

/// What the conflict relation of a block looks like, whatever the plan made of it.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Shape {
	/// Connected components of the conflict graph ([`partition`]'s groups).
	pub components: usize,
	/// Transactions of the largest component (0 if there are none).
	pub largest_component: usize,
	/// Levels of the [`ConflictDag`]: the longest chain of conflicts, in transactions.
	pub depth: u32,
	/// The costliest chain of conflicts ([`ConflictDag::critical_path`]): no plan on any number
	/// of lanes executes the transactions in less.
	pub critical_path: u64,
}

impl ExecutionPlan {
	/// The block order: phase after phase, each phase's chunks in lane order. Keeps every
	/// conflicting pair in pool order.
	pub fn order(&self) -> Vec<TxIndex> {
		self.phases
			.iter()
			.flat_map(|phase| phase.chunks.iter().flatten().copied())
			.collect()
	}

	/// How many barriers the plan has: one after each phase but the last.
	pub fn barriers(&self) -> usize {
		self.phases.len().saturating_sub(1)
	}
}

/// The plan for transactions with access sets `sets` (pool order) and costs `costs` (e.g. their
/// weights' `ref_time`) on `lanes` lanes, where a barrier costs `barrier` (in the unit of
/// `costs`). Deterministic; see the module documentation for the rules.
///
/// The estimate of a phase's time is its costliest lane after longest-processing-time-first
/// packing ([`schedule`]); a component is cut when the estimated time of its levels, barriers
/// included, is below its cost; a level stays a parallel phase of its own only when that saves
/// more than a barrier against running it sequentially.
pub fn plan(
	sets: &[AccessSet],
	costs: &[u64],
	lanes: usize,
	barrier: u64,
) -> Result<ExecutionPlan, ScheduleError> {
	if lanes == 0 {
		return Err(ScheduleError::NoLanes);
	}
	if let Some(tx) = (costs.len()..sets.len()).next() {
		return Err(ScheduleError::MissingCost { tx: tx as TxIndex, costs: costs.len() });
	}
	let total = costs[..sets.len()].iter().fold(0u64, |sum, c| sum.saturating_add(*c));
	let share = total.div_ceil(lanes as u64);
	let dag = ConflictDag::new(sets);
	let groups = partition(sets);
	let shape = Shape {
		components: groups.len(),
		largest_component: groups.iter().map(|group| group.members.len()).max().unwrap_or(0),
		depth: dag.depth(),
		critical_path: dag.critical_path(costs)?,
	};

	// Units of phase `i`: lists of transactions that run in that order on one lane.
	let mut phases: Vec<Vec<Group>> = vec![Vec::new()];
	for group in groups {
		let segments = if cost_of(&group.members, costs) > share {
			segments(&group.members, &dag, costs, lanes, barrier)?
		} else {
			Vec::new()
		};
		if segments.len() <= 1 {
			phases[0].push(group);
			continue;
		}
		if phases.len() < segments.len() {
			phases.resize(segments.len(), Vec::new());
		}
		for (phase, segment) in phases.iter_mut().zip(segments) {
			match segment {
				Segment::Sequential(members) => phase.push(Group { members }),
				Segment::Parallel(members) =>
					phase.extend(members.into_iter().map(|tx| Group { members: vec![tx] })),
			}
		}
	}

	let mut plan = ExecutionPlan { phases: Vec::new(), shape };
	for units in phases {
		let mut chunks = Vec::new();
		for lane in schedule(&units, costs, lanes)? {
			let mut on_lane: Vec<&Group> =
				lane.groups.iter().map(|&u| &units[u as usize]).collect();
			on_lane.sort_by_key(|unit| unit.members[0]);
			let chunk: Chunk = on_lane.into_iter().flat_map(|unit| unit.members.clone()).collect();
			if !chunk.is_empty() {
				chunks.push(chunk);
			}
		}
		if !chunks.is_empty() {
			plan.phases.push(Phase { chunks });
		}
	}
	Ok(plan)
}

/// The saturating sum of the costs of `txs`.
fn cost_of(txs: &[TxIndex], costs: &[u64]) -> u64 {
	txs.iter().fold(0u64, |sum, &tx| sum.saturating_add(costs[tx as usize]))
}

/// A part of a cut component that runs in one phase.
enum Segment {
	/// Consecutive thin levels, all their transactions in pool order on one lane.
	Sequential(Vec<TxIndex>),
	/// One level whose transactions spread over the lanes.
	Parallel(Vec<TxIndex>),
}

/// The segments of component `members` (ascending) by its levels in `dag`, or none if cutting
/// it does not beat running it whole.
fn segments(
	members: &[TxIndex],
	dag: &ConflictDag,
	costs: &[u64],
	lanes: usize,
	barrier: u64,
) -> Result<Vec<Segment>, ScheduleError> {
	let levels = dag.levels();
	let depth = members.iter().map(|&tx| levels[tx as usize] + 1).max().unwrap_or(0) as usize;
	let mut by_level: Vec<Vec<TxIndex>> = vec![Vec::new(); depth];
	for &tx in members {
		by_level[levels[tx as usize] as usize].push(tx);
	}

	let mut segments: Vec<Segment> = Vec::new();
	let mut estimate = 0u64;
	for level in by_level {
		let sequential = cost_of(&level, costs);
		let units: Vec<Group> = level.iter().map(|&tx| Group { members: vec![tx] }).collect();
		let parallel =
			schedule(&units, costs, lanes)?.iter().map(|lane| lane.cost).max().unwrap_or(0);
		if parallel.saturating_add(barrier) < sequential {
			segments.push(Segment::Parallel(level));
			estimate = estimate.saturating_add(parallel).saturating_add(barrier);
		} else {
			if let Some(Segment::Sequential(run)) = segments.last_mut() {
				run.extend(level);
			} else {
				segments.push(Segment::Sequential(level));
				estimate = estimate.saturating_add(barrier);
			}
			estimate = estimate.saturating_add(sequential);
		}
	}
	// A sequential run spanning several levels must keep pool order among them.
	for segment in &mut segments {
		if let Segment::Sequential(run) = segment {
			run.sort_unstable();
		}
	}
	let whole = cost_of(members, costs);
	// The last segment needs no barrier after it.
	Ok(if estimate.saturating_sub(barrier) < whole { segments } else { Vec::new() })
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::AccessKey;

	fn transfer(from: u8, to: u8) -> AccessSet {
		AccessSet::new()
			.write(AccessKey::Account(vec![from]))
			.write(AccessKey::Account(vec![to]))
	}

	#[test]
	fn small_components_stay_whole_in_one_phase() {
		let sets = vec![transfer(1, 2), transfer(3, 4), transfer(2, 5), transfer(6, 7)];
		let plan = plan(&sets, &[1; 4], 2, 1).expect("a plan");
		assert_eq!(plan.phases.len(), 1);
		assert_eq!(plan.phases[0].chunks, vec![vec![0, 2], vec![1, 3]]);
		assert_eq!(plan.order(), vec![0, 2, 1, 3]);
		let shape = Shape { components: 3, largest_component: 2, depth: 2, critical_path: 2 };
		assert_eq!(plan.shape, shape);
	}

	#[test]
	fn a_giant_component_is_cut_by_levels_when_the_levels_are_wide() {
		// Level 0: four transfers among distinct accounts; level 1: four transfers joining them
		// pairwise (one component); cheap barrier.
		let sets = vec![
			transfer(1, 2),
			transfer(3, 4),
			transfer(5, 6),
			transfer(7, 8),
			transfer(2, 3),
			transfer(4, 5),
			transfer(6, 7),
			transfer(8, 1),
		];
		let plan = plan(&sets, &[10; 8], 2, 1).expect("a plan");
		assert_eq!(plan.barriers(), 1);
		assert_eq!(plan.phases[0].chunks, vec![vec![0, 2], vec![1, 3]]);
		assert_eq!(plan.phases[1].chunks, vec![vec![4, 6], vec![5, 7]]);
	}

	#[test]
	fn a_chain_or_an_expensive_barrier_takes_the_sequential_path() {
		let chain: Vec<AccessSet> = (0..6).map(|i| transfer(i, i + 1)).collect();
		let plan_of_chain = plan(&chain, &[10; 6], 2, 1).expect("a plan");
		assert_eq!(plan_of_chain.phases, vec![Phase { chunks: vec![(0..6).collect()] }]);
		let shape = Shape { components: 1, largest_component: 6, depth: 6, critical_path: 60 };
		assert_eq!(plan_of_chain.shape, shape);
		let wide = vec![transfer(1, 2), transfer(3, 4), transfer(2, 3), transfer(4, 1)];
		let plan_of_wide = plan(&wide, &[10; 4], 2, 1_000).expect("a plan");
		assert_eq!(plan_of_wide.phases, vec![Phase { chunks: vec![vec![0, 1, 2, 3]] }]);
	}

	#[test]
	fn zero_lanes_and_missing_costs_are_refused() {
		assert_eq!(plan(&[transfer(1, 2)], &[1], 0, 1), Err(ScheduleError::NoLanes));
		assert_eq!(
			plan(&[transfer(1, 2)], &[], 1, 1),
			Err(ScheduleError::MissingCost { tx: 0, costs: 0 })
		);
	}
}
