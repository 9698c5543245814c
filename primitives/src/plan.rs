//! An execution plan by dependency, not by component: which transactions run together on which
//! lane, where the barriers (merges) are, and the block order that follows.
//!
//! A lane runs a chunk of transactions in one runtime call; the chunks of a phase run at the same
//! time, and a barrier (a merge of their writes) separates phases. A transaction may run in a
//! phase on a lane once each transaction it depends on ([`ConflictDag`]) ran in an earlier phase,
//! or earlier in the same chunk: so a lane follows a chain of conflicts without waiting for a
//! barrier, and only dependencies that cross lanes cost one. Levels of the DAG are one such plan
//! (every dependency crosses a barrier); a plan that keeps chains on their lane needs far fewer
//! phases (1,000 transfers among 100 accounts: 67 levels).
//!
//! [`plan`] packs the transactions in pool order, each on the lane where it can run in the
//! earliest phase whose chunk on that lane still has room (the phase budget), the least loaded
//! lane on a tie. It packs for several budgets (no limit, a lane's share of the block, half of
//! it, ...) and keeps the packing whose estimated time, the costliest chunk of every phase plus a
//! barrier between phases, is least. The sweep stops early where it cannot gain: once a packing
//! is estimated slower than the one before (the budget has passed what suits the block, and
//! smaller ones only cut more chunks), or once the best reaches the bound no plan beats (a lane's
//! share of the block, or the critical path). Two more candidates: running everything as one
//! sequential chunk (an all-conflict chain), and every connected component whole on one lane in one
//! phase (many small components: packing in pool order would cut a component that a later
//! transaction joins across lanes, and pay a barrier for it).
//!
//! The plan is a pure function of the access sets in pool order, the costs, the lane count and
//! the barrier cost. The lane count is a parameter of the plan, not the builder's thread count:
//! the block order ([`ExecutionPlan::order`]) must not change with the threads, so a builder
//! plans for a fixed number of lanes and runs them on however many threads it has.

use crate::{AccessSet, ConflictDag, ScheduleError, TxIndex};
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
	/// The plan's estimated time, in the unit of the costs: the costliest chunk of each phase,
	/// plus a barrier between phases.
	pub estimate: u64,
}

/// What the conflict relation of a block looks like, whatever the plan made of it.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Shape {
	/// Connected components of the conflict graph ([`crate::partition`]'s groups).
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

/// Phase budgets tried: none (one phase wherever dependencies allow), a lane's share of the
/// block, then that share halved this many times.
const BUDGET_HALVINGS: u32 = 10;

/// The plan for transactions with access sets `sets` (pool order) and costs `costs` (e.g. their
/// weights' `ref_time`) on `lanes` lanes, where a barrier costs `barrier` (in the unit of
/// `costs`). Deterministic; see the module documentation for the rules.
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
	let costs = &costs[..sets.len()];
	let dag = ConflictDag::new(sets);
	let (component_of, components) = dag.component_ids();
	let mut sizes = vec![0usize; components];
	let mut component_costs = vec![0u64; components];
	for (&component, &cost) in component_of.iter().zip(costs) {
		sizes[component as usize] += 1;
		let sum = &mut component_costs[component as usize];
		*sum = sum.saturating_add(cost);
	}
	let shape = Shape {
		components,
		largest_component: sizes.iter().copied().max().unwrap_or(0),
		depth: dag.depth(),
		critical_path: dag.critical_path(costs)?,
	};
	let total = cost_of(costs);
	let mut packer = Packer::new(lanes);
	// The best packing so far: its estimate and where it placed each transaction (`None`: the
	// sequential one, everything in one chunk).
	let mut best: (u64, Option<Vec<Place>>) = (total, None);
	if lanes > 1 {
		let mut places = Vec::new();
		let estimate = pack_components(&component_of, &component_costs, lanes, &mut places);
		if estimate < best.0 {
			best = (estimate, Some(places));
		}
		let share = total.div_ceil(lanes as u64);
		// No plan on `lanes` lanes beats its busiest lane or its costliest chain.
		let bound = share.max(shape.critical_path);
		let budgets = core::iter::once(u64::MAX)
			.chain((0..=BUDGET_HALVINGS).map(|halvings| (share >> halvings).max(1)));
		let mut spare = Vec::new();
		let mut previous = u64::MAX;
		for budget in budgets {
			if best.0 <= bound {
				break;
			}
			let estimate = packer.pack(&dag, costs, budget, barrier, &mut spare);
			if estimate < best.0 {
				// Keep this packing's places; the replaced ones are the next packing's buffer.
				spare = best.1.replace(spare).unwrap_or_default();
				best.0 = estimate;
			}
			if estimate > previous {
				// Past the budget that suits the block: smaller budgets only add barriers.
				break;
			}
			previous = estimate;
		}
	}
	let phases = match best.1 {
		Some(places) => phases_of(&places, lanes),
		None if sets.is_empty() => Vec::new(),
		None => vec![Phase { chunks: vec![(0..sets.len() as TxIndex).collect()] }],
	};
	Ok(ExecutionPlan { phases, shape, estimate: best.0 })
}

/// The saturating sum of `costs`.
fn cost_of(costs: &[u64]) -> u64 {
	costs.iter().fold(0u64, |sum, c| sum.saturating_add(*c))
}

/// Where a packing put a transaction.
#[derive(Clone, Copy)]
struct Place {
	phase: u32,
	lane: u32,
}

/// The phases of a packing's `places` (by transaction) on `lanes` lanes: each chunk holds its
/// transactions in pool order; empty chunks are left out.
fn phases_of(places: &[Place], lanes: usize) -> Vec<Phase> {
	let count = places.iter().map(|place| place.phase as usize + 1).max().unwrap_or(0);
	let mut phases = vec![vec![Chunk::new(); lanes]; count];
	for (tx, place) in (0..).zip(places) {
		phases[place.phase as usize][place.lane as usize].push(tx);
	}
	phases
		.into_iter()
		.map(|chunks| Phase { chunks: chunks.into_iter().filter(|c| !c.is_empty()).collect() })
		.collect()
}

/// Pack whole components into one phase: components costliest first (the first one on a tie),
/// each onto the least loaded lane (the first on a tie), every transaction on its component's
/// lane. No barrier, and no dependency crosses lanes; the estimate is the costliest lane. The
/// packing of many small components (transfers among many accounts), where packing in pool
/// order would cut a component that a later transaction joins across lanes.
fn pack_components(
	component_of: &[TxIndex],
	component_costs: &[u64],
	lanes: usize,
	places: &mut Vec<Place>,
) -> u64 {
	let mut by_cost: Vec<usize> = (0..component_costs.len()).collect();
	by_cost.sort_unstable_by_key(|&component| {
		(core::cmp::Reverse(component_costs[component]), component)
	});
	let mut loads = vec![0u64; lanes];
	let mut lane_of = vec![0u32; component_costs.len()];
	for component in by_cost {
		let lane = (0..lanes).min_by_key(|&lane| (loads[lane], lane)).unwrap_or(0);
		loads[lane] = loads[lane].saturating_add(component_costs[component]);
		// Lanes fit in u32 as in `Packer::pack`.
		lane_of[component] = lane as u32;
	}
	places.clear();
	places.extend(
		component_of
			.iter()
			.map(|&component| Place { phase: 0, lane: lane_of[component as usize] }),
	);
	loads.into_iter().max().unwrap_or(0)
}

/// Per lane, for each phase, a phase at or before the first phase from it whose chunk on the lane
/// is open (its own index if it is): a chunk a transaction did not fit is closed and takes none
/// after it (next fit), and the search for room skips closed chunks in amortized constant time
/// (union-find's path halving), however many phases a small budget or a long chain makes.
struct OpenPhases(Vec<usize>);

impl OpenPhases {
	/// The first phase at or after `phase` whose chunk is open (possibly one not made yet).
	fn first_from(&mut self, mut phase: usize) -> usize {
		while let Some(&next) = self.0.get(phase).filter(|&&next| next != phase) {
			if let Some(&after) = self.0.get(next) {
				self.0[phase] = after;
			}
			phase = next;
		}
		phase
	}

	fn close(&mut self, phase: usize) {
		self.0[phase] = phase + 1;
	}
}

/// Packs transactions for one lane count, reusing its buffers from one budget to the next (a
/// plan packs a dozen times; allocating a chunk per phase and lane each time cost more than the
/// packing).
struct Packer {
	lanes: usize,
	/// `loads[phase * lanes + lane]`: the summed costs of that chunk.
	loads: Vec<u64>,
	open: Vec<OpenPhases>,
}

impl Packer {
	fn new(lanes: usize) -> Self {
		Self {
			lanes,
			loads: Vec::new(),
			open: (0..lanes).map(|_| OpenPhases(Vec::new())).collect(),
		}
	}

	/// Pack the transactions in pool order into `places`: each goes to the lane where it can run
	/// in the earliest phase (after its dependencies: in a later phase, or the same phase on
	/// their lane) whose chunk on that lane has room for it within `budget` (an empty chunk takes
	/// any transaction; one that a transaction did not fit is closed and takes none after it), on
	/// a tie the least loaded such chunk, then the first lane. Returns the estimated time: the
	/// costliest chunk of each phase plus `barrier` between phases. Linear in the transactions
	/// and their dependencies, times lanes.
	fn pack(
		&mut self,
		dag: &ConflictDag,
		costs: &[u64],
		budget: u64,
		barrier: u64,
		places: &mut Vec<Place>,
	) -> u64 {
		let lanes = self.lanes;
		let mut phases = 0usize;
		self.loads.clear();
		for open in &mut self.open {
			open.0.clear();
		}
		places.clear();
		for (tx, &cost) in (0..).zip(costs) {
			// The latest phase of a dependency, and the lane of those in it if they share one:
			// the transaction may join that phase on that lane, and must wait for the next
			// elsewhere.
			let mut latest: Option<(usize, Option<usize>)> = None;
			for &dependency in dag.dependencies(tx) {
				let place = places[dependency as usize];
				let (phase, on) = (place.phase as usize, place.lane as usize);
				latest = match latest {
					Some((latest, lane)) if latest > phase => Some((latest, lane)),
					Some((latest, lane)) if latest == phase && lane != Some(on) =>
						Some((phase, None)),
					_ => Some((phase, Some(on))),
				};
			}
			let mut best: Option<(usize, u64, usize)> = None;
			for (lane, open) in self.open.iter_mut().enumerate() {
				let after_dependencies = match latest {
					None => 0,
					Some((phase, on)) => phase + usize::from(on != Some(lane)),
				};
				let mut phase = open.first_from(after_dependencies);
				while phase < phases {
					let load = self.loads[phase * lanes + lane];
					if load == 0 || load.saturating_add(cost) <= budget {
						break;
					}
					open.close(phase);
					phase = open.first_from(phase + 1);
				}
				let load = if phase < phases { self.loads[phase * lanes + lane] } else { 0 };
				if best.is_none_or(|best| (phase, load) < (best.0, best.1)) {
					best = Some((phase, load, lane));
				}
			}
			let (phase, _, lane) = best.unwrap_or((0, 0, 0));
			if phases <= phase {
				for open in &mut self.open {
					open.0.extend(phases..=phase);
				}
				phases = phase + 1;
				self.loads.resize(phases * lanes, 0);
			}
			let load = &mut self.loads[phase * lanes + lane];
			*load = load.saturating_add(cost);
			// Phases and lanes fit in u32: there are no more phases than transactions, which
			// are indexed by `TxIndex`.
			places.push(Place { phase: phase as u32, lane: lane as u32 });
		}
		let barriers = barrier.saturating_mul(phases.saturating_sub(1) as u64);
		self.loads
			.chunks(lanes)
			.map(|chunks| chunks.iter().copied().max().unwrap_or(0))
			.fold(barriers, u64::saturating_add)
	}
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
	fn components_a_later_transaction_joins_are_not_cut_across_lanes() {
		// 2 joins the components of 0 and 1: packed in pool order, 0 and 1 would take both lanes
		// and 2 would wait for a barrier. Whole components fit one phase.
		let sets =
			vec![transfer(1, 2), transfer(3, 4), transfer(2, 3), transfer(5, 6), transfer(7, 8)];
		let plan = plan(&sets, &[1; 5], 2, 1).expect("a plan");
		assert_eq!(plan.phases, vec![Phase { chunks: vec![vec![0, 1, 2], vec![3, 4]] }]);
		assert_eq!(plan.estimate, 3);
	}

	#[test]
	fn a_giant_component_is_cut_where_its_dependencies_cross_lanes() {
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
