//! How a suite is sent: which contracts go into which extrinsic, in which order.
//!
//! - [`Strategy::Batch`]: as few `batch_deploy`s as the bound allows. A suite within the bound is
//!   one batch in suite order (the pallet orders it by dependencies). A larger one is cut from its
//!   contracts in level order, so every contract's dependencies are in its own batch or an earlier
//!   one; each batch lists its contracts in suite order.
//! - [`Strategy::Sequential`] and [`Strategy::Pipelined`]: one contract per extrinsic, in level
//!   order (the baselines without batching; they differ in when they are sent, not in what).

use crate::suite::Suite;
use pex_primitives::NodeIndex;

/// How the contracts of a suite are grouped into extrinsics and sent.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Strategy {
	/// Batches of at most `max_contracts` contracts (at least 1), each sent once the previous one
	/// is in a block.
	Batch {
		/// The most contracts in one `batch_deploy`.
		max_contracts: u32,
	},
	/// One contract per extrinsic, each sent once the previous one is in a block.
	Sequential,
	/// One contract per extrinsic, all sent at once with consecutive nonces.
	Pipelined,
}

impl Strategy {
	/// The strategy's name in reports: `batch`, `sequential` or `pipelined`.
	pub fn name(&self) -> &'static str {
		match self {
			Self::Batch { .. } => "batch",
			Self::Sequential => "sequential",
			Self::Pipelined => "pipelined",
		}
	}
}

/// The extrinsics `strategy` sends for `suite`: suite indices per extrinsic, in sending order.
///
/// Invariant: every contract is in exactly one extrinsic, after every extrinsic holding one of
/// its dependencies or in the same one.
pub fn split(suite: &Suite, strategy: Strategy) -> Vec<Vec<NodeIndex>> {
	let in_level_order = suite.levels.iter().flatten().copied();
	match strategy {
		Strategy::Batch { max_contracts } => {
			let max = max_contracts.max(1) as usize;
			let ordered: Vec<NodeIndex> = in_level_order.collect();
			ordered
				.chunks(max)
				.map(|chunk| {
					let mut batch = chunk.to_vec();
					batch.sort_unstable();
					batch
				})
				.collect()
		},
		Strategy::Sequential | Strategy::Pipelined =>
			in_level_order.map(|index| vec![index]).collect(),
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::suite::SuiteContract;

	/// A suite of `n` contracts where contract `i` depends on `deps(i)`, levelled.
	fn suite(n: u32, deps: impl Fn(u32) -> Vec<u32>) -> Suite {
		let contracts: Vec<SuiteContract> = (0..n)
			.map(|i| SuiteContract {
				name: format!("C{i}"),
				code: vec![0x60],
				constructor_input: Vec::new(),
				dependencies: deps(i),
				value: 0,
				salt: [0; 32],
			})
			.collect();
		// Levels by relaxation: at most `n` rounds for an acyclic suite.
		let mut level = vec![0usize; n as usize];
		for _ in 0..n {
			for i in 0..n as usize {
				level[i] = contracts[i]
					.dependencies
					.iter()
					.map(|&d| level[d as usize] + 1)
					.max()
					.unwrap_or(0);
			}
		}
		let depth = level.iter().max().map_or(0, |l| l + 1);
		let levels = (0..depth)
			.map(|l| (0..n).filter(|&i| level[i as usize] == l).collect())
			.collect();
		Suite { contracts, levels }
	}

	fn check_order(suite: &Suite, batches: &[Vec<NodeIndex>]) {
		let mut seen = vec![None; suite.contracts.len()];
		for (at, batch) in batches.iter().enumerate() {
			for &index in batch {
				assert!(seen[index as usize].replace(at).is_none(), "C{index} sent twice");
			}
		}
		for (index, contract) in suite.contracts.iter().enumerate() {
			let at = seen[index].expect("every contract is sent");
			for &dependency in &contract.dependencies {
				assert!(
					seen[dependency as usize].expect("sent") <= at,
					"C{index} before C{dependency}"
				);
			}
		}
	}

	#[test]
	fn a_suite_within_the_bound_is_one_batch_in_suite_order() {
		// C0 depends on C2: suite order, not level order.
		let suite = suite(3, |i| if i == 0 { vec![2] } else { vec![] });
		assert_eq!(split(&suite, Strategy::Batch { max_contracts: 16 }), vec![vec![0, 1, 2]]);
	}

	#[test]
	fn a_larger_suite_is_cut_in_level_order_dependencies_first() {
		// 20 contracts, each odd one depends on the one before it; bound 8.
		let suite = suite(20, |i| if i % 2 == 1 { vec![i - 1] } else { vec![] });
		let batches = split(&suite, Strategy::Batch { max_contracts: 8 });
		assert_eq!(batches.iter().map(Vec::len).collect::<Vec<_>>(), vec![8, 8, 4]);
		check_order(&suite, &batches);
		// The first batch holds only level 0 (the even contracts).
		assert!(batches[0].iter().all(|i| i % 2 == 0));
	}

	#[test]
	fn the_baselines_send_one_contract_per_extrinsic_dependencies_first() {
		let suite = suite(5, |i| {
			if i == 0 {
				vec![3, 4]
			} else if i == 3 {
				vec![1]
			} else {
				vec![]
			}
		});
		for strategy in [Strategy::Sequential, Strategy::Pipelined] {
			let extrinsics = split(&suite, strategy);
			assert!(extrinsics.iter().all(|e| e.len() == 1));
			assert_eq!(extrinsics.len(), 5);
			check_order(&suite, &extrinsics);
		}
	}

	#[test]
	fn a_bound_of_zero_is_taken_as_one() {
		let suite = suite(3, |_| vec![]);
		assert_eq!(split(&suite, Strategy::Batch { max_contracts: 0 }).len(), 3);
	}
}
