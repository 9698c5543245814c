//! Step 3, the schedule: [`pex_primitives::plan`] over the admitted extrinsics' access sets and
//! costs, for a fixed number of lanes, and the chunks each phase of that plan runs.

use crate::{admission::Candidate, BuildError, BuildStats, ModeledPlan};
use pex_primitives::{AccessSet, ExecutionPlan};

/// What the plan charges for a barrier between two phases, in weight (`ref_time`, picoseconds):
/// merging the lanes' writes and a new runtime call per lane. Measured on the reference machine:
/// about 1.2 ms per barrier, the time of four transfers, which weigh 0.76 ms each.
pub const BARRIER_WEIGHT: u64 = 3_000_000_000;

/// The most an extrinsic costs in the plan, in medians of the admitted weights: weights
/// overstate some calls by orders of magnitude (a contract call reserving 50 ms runs in less
/// than one), and one such call must not get a lane of its own while the others queue.
pub const COST_CAP_MEDIANS: u64 = 16;

/// The admitted extrinsics' plan, and what it was made from.
pub(crate) struct Schedule {
	/// Access sets of the admitted extrinsics, in pool order.
	sets: Vec<AccessSet>,
	/// Their costs ([`plan_costs`]).
	costs: Vec<u64>,
	/// The sum of the costs: the extrinsics one after another.
	total: u64,
	/// The plan for the builder's lanes.
	pub(crate) plan: ExecutionPlan,
}

impl Schedule {
	/// Plan `admitted` (in pool order) for `lanes` lanes, and record the plan's shape in `stats`.
	pub(crate) fn new<X>(
		admitted: &[Candidate<X>],
		lanes: usize,
		stats: &mut BuildStats,
	) -> Result<Self, BuildError> {
		let sets: Vec<AccessSet> = admitted.iter().map(|a| a.info.access.clone()).collect();
		let weights: Vec<u64> = admitted.iter().map(|a| a.info.weight.ref_time()).collect();
		let costs = plan_costs(&weights);
		let plan = plan(&sets, &costs, lanes)?;
		stats.groups = plan.shape.components;
		stats.largest_group = plan.shape.largest_component;
		stats.depth = plan.shape.depth;
		stats.critical_path = plan.shape.critical_path;
		let total = costs.iter().fold(0, |sum: u64, cost| sum.saturating_add(*cost));
		stats.admitted_weight = total;
		stats.phases = plan.phases.len();
		stats.chunks = plan.phases.iter().map(|phase| phase.chunks.len()).sum();
		Ok(Self { sets, costs, total, plan })
	}

	/// What a plan of the same extrinsics for `lanes` lanes predicts (a model).
	pub(crate) fn model(&self, lanes: usize) -> Result<ModeledPlan, BuildError> {
		let plan = plan(&self.sets, &self.costs, lanes)?;
		let (estimate, phases) = (plan.estimate, plan.phases.len());
		Ok(ModeledPlan { lanes, estimate, sequential: self.total, phases })
	}
}

fn plan(sets: &[AccessSet], costs: &[u64], lanes: usize) -> Result<ExecutionPlan, BuildError> {
	pex_primitives::plan(sets, costs, lanes.max(1), BARRIER_WEIGHT)
		.map_err(|_| BuildError::Invariant("an admitted extrinsic without a cost"))
}

/// The costs the plan weighs extrinsics by: their weights, each at most [`COST_CAP_MEDIANS`]
/// times the median weight.
fn plan_costs(weights: &[u64]) -> Vec<u64> {
	let mut sorted = weights.to_vec();
	sorted.sort_unstable();
	let Some(&median) = sorted.get(sorted.len() / 2) else { return Vec::new() };
	let cap = median.max(1).saturating_mul(COST_CAP_MEDIANS);
	weights.iter().map(|weight| (*weight).min(cap)).collect()
}

/// A chunk of a phase of the plan, ready to run on a lane.
pub(crate) struct Chunk<'a, X> {
	/// Its number in the plan, over all phases (for the trace and the logs).
	pub(crate) number: usize,
	/// The block index of its first extrinsic.
	pub(crate) start: u32,
	/// Its extrinsics with what the runtime said of them, in block order.
	pub(crate) members: Vec<&'a Candidate<X>>,
}

impl<X> Chunk<'_, X> {
	/// Its extrinsics, in block order.
	pub(crate) fn extrinsics(&self) -> Vec<&X> {
		self.members.iter().map(|member| &member.extrinsic).collect()
	}
}

/// The chunks of `phase`, numbered from `first_number`, indexed from `start` (the block index the
/// phase begins at), their members taken from `admitted`.
pub(crate) fn chunks<'a, X>(
	phase: &pex_primitives::Phase,
	admitted: &'a [Candidate<X>],
	first_number: usize,
	mut start: u32,
) -> Vec<Chunk<'a, X>> {
	phase
		.chunks
		.iter()
		.enumerate()
		.map(|(offset, chunk)| {
			let members: Vec<_> = chunk.iter().map(|&tx| &admitted[tx as usize]).collect();
			let chunk = Chunk { number: first_number + offset, start, members };
			start += chunk.members.len() as u32;
			chunk
		})
		.collect()
}

#[cfg(test)]
mod tests {
	use super::*;
	use pex_primitives::{AccessKey, ExtrinsicClass, ExtrinsicInfo, Phase};
	use sp_runtime::Weight;

	fn candidate(position: usize, accounts: &[u8], weight: u64) -> Candidate<usize> {
		let access = accounts
			.iter()
			.fold(AccessSet::new(), |set, account| set.write(AccessKey::Account(vec![*account])));
		let info = ExtrinsicInfo {
			access,
			weight: Weight::from_parts(weight, 0),
			class: ExtrinsicClass::Normal,
			length: 100,
		};
		Candidate { position, extrinsic: position, info }
	}

	#[test]
	fn chunks_are_numbered_across_phases_and_indexed_in_block_order() {
		let admitted: Vec<_> = (0..5).map(|i| candidate(i, &[i as u8], 10)).collect();
		let phase = Phase { chunks: vec![vec![0, 3], vec![1, 2, 4]] };
		let chunks = chunks(&phase, &admitted, 7, 2);
		let shape: Vec<_> = chunks
			.iter()
			.map(|chunk| {
				(chunk.number, chunk.start, chunk.extrinsics().into_iter().copied().collect())
			})
			.collect::<Vec<(usize, u32, Vec<usize>)>>();
		assert_eq!(shape, vec![(7, 2, vec![0, 3]), (8, 4, vec![1, 2, 4])]);
	}

	#[test]
	fn the_schedule_records_the_plans_shape_and_models_other_lane_counts() {
		// Two chains of two transfers each, and one loner: three components.
		let admitted = vec![
			candidate(0, &[1, 2], 10),
			candidate(1, &[3, 4], 10),
			candidate(2, &[2, 5], 10),
			candidate(3, &[4, 6], 10),
			candidate(4, &[7, 8], 10),
		];
		let mut stats = BuildStats::default();
		let schedule = Schedule::new(&admitted, 2, &mut stats).expect("a schedule");
		assert_eq!((stats.groups, stats.largest_group, stats.depth), (3, 2, 2));
		assert_eq!((stats.critical_path, stats.admitted_weight), (20, 50));
		assert_eq!(stats.phases, schedule.plan.phases.len());
		let order = schedule.plan.order();
		let position = |tx| order.iter().position(|&t| t == tx).expect("planned");
		assert!(position(0) < position(2) && position(1) < position(3), "chains keep pool order");
		let one = schedule.model(1).expect("a model");
		assert_eq!((one.lanes, one.estimate, one.sequential, one.phases), (1, 50, 50, 1));
		assert!((one.speedup() - 1.0).abs() < f64::EPSILON);
	}

	#[test]
	fn costs_are_weights_capped_at_sixteen_medians() {
		let weights = [1, 2, 3, 4, 1_000];
		assert_eq!(plan_costs(&weights), vec![1, 2, 3, 4, 3 * COST_CAP_MEDIANS]);
		assert_eq!(plan_costs(&[]), Vec::<u64>::new());
		// A median weight of zero caps at one per median, not at zero.
		assert_eq!(plan_costs(&[0, 0, 0, 50]), vec![0, 0, 0, COST_CAP_MEDIANS]);
	}
}
