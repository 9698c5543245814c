//! Partition transactions into groups that share nothing: the connected components of the
//! conflict relation.
//!
//! [`partition`] is exact: two transactions end up in the same group iff a chain of conflicting
//! pairs (in the sense of [`AccessSet::conflicts_with`]) joins them. So the result is a pure
//! function of the conflict relation: the order of keys inside a set, or anything else internal,
//! cannot change it.
//!
//! How: the [`ConflictDag`] joins every conflicting pair by a path of dependencies, each of them a
//! conflict, so its weakly connected components are the groups; union-find collects them. Costs
//! what the DAG costs (linear in the keys, through interned key numbers) plus near-linear
//! union-find.

use crate::{AccessSet, ConflictDag, TxIndex};
use alloc::{vec, vec::Vec};

/// Transactions that must run in one sequence because some of them conflict.
///
/// Invariant: `members` is non-empty and strictly ascending (input order).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Group {
	/// Indices into the input of [`partition`], ascending.
	pub members: Vec<TxIndex>,
}

/// Split transactions, given by their access sets in input order, into groups such that no
/// transaction conflicts with a transaction of another group.
///
/// Invariants of the result: every index `0..sets.len()` appears in exactly one group; members
/// of a group ascend; groups are ordered by their first member; two transactions share a group
/// iff a chain of conflicts joins them (so groups are as small as they can be). Deterministic:
/// the same conflict relation always gives the same groups.
///
/// # Panics
///
/// If there are more than `u32::MAX` transactions.
pub fn partition(sets: &[AccessSet]) -> Vec<Group> {
	ConflictDag::new(sets).components()
}

/// Union-find over transaction indices, by size with path halving.
pub(crate) struct DisjointSets {
	parent: Vec<TxIndex>,
	size: Vec<TxIndex>,
}

impl DisjointSets {
	pub(crate) fn new(count: usize) -> Self {
		DisjointSets { parent: (0..count as TxIndex).collect(), size: vec![1; count] }
	}

	fn find(&mut self, mut x: TxIndex) -> TxIndex {
		while self.parent[x as usize] != x {
			let grandparent = self.parent[self.parent[x as usize] as usize];
			self.parent[x as usize] = grandparent;
			x = grandparent;
		}
		x
	}

	pub(crate) fn union(&mut self, a: TxIndex, b: TxIndex) {
		let (a, b) = (self.find(a), self.find(b));
		if a == b {
			return;
		}
		let (big, small) =
			if self.size[a as usize] >= self.size[b as usize] { (a, b) } else { (b, a) };
		self.parent[small as usize] = big;
		self.size[big as usize] += self.size[small as usize];
	}

	/// The sets as groups: members ascending, groups ordered by their first member.
	pub(crate) fn into_groups(self) -> Vec<Group> {
		let (group_of, count) = self.into_ids();
		let mut groups = vec![Group { members: Vec::new() }; count];
		for (tx, &group) in (0..).zip(&group_of) {
			groups[group as usize].members.push(tx);
		}
		groups
	}

	/// Each element's set, numbered in the order of the sets' first elements, and how many
	/// sets there are.
	pub(crate) fn into_ids(mut self) -> (Vec<TxIndex>, usize) {
		const NONE: TxIndex = TxIndex::MAX;
		let mut id_of_root = vec![NONE; self.parent.len()];
		let mut ids = Vec::with_capacity(self.parent.len());
		let mut count: TxIndex = 0;
		for tx in 0..self.parent.len() as TxIndex {
			let root = self.find(tx) as usize;
			if id_of_root[root] == NONE {
				id_of_root[root] = count;
				count += 1;
			}
			ids.push(id_of_root[root]);
		}
		(ids, count as usize)
	}
}

/// Why a plan or a critical path cannot be computed ([`crate::plan`],
/// [`crate::ConflictDag::critical_path`]).
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum ScheduleError {
	/// Zero lanes were asked for; at least one is needed to run anything.
	#[error("cannot schedule onto zero lanes")]
	NoLanes,
	/// A transaction has no cost: `costs` is shorter than the access sets.
	#[error("transaction {tx} has no cost (only {costs} costs given)")]
	MissingCost {
		/// The transaction without a cost.
		tx: TxIndex,
		/// How many costs were given.
		costs: usize,
	},
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{AccessKey, AccessKey::*};

	fn account(n: u8) -> AccessKey {
		Account(vec![n])
	}

	fn members(groups: &[Group]) -> Vec<Vec<TxIndex>> {
		groups.iter().map(|g| g.members.clone()).collect()
	}

	#[test]
	fn transfers_between_disjoint_accounts_share_no_group() {
		let sets = vec![
			AccessSet::new().write(account(1)).write(account(2)),
			AccessSet::new().write(account(3)).write(account(4)),
			AccessSet::new().write(account(2)).write(account(5)),
		];
		assert_eq!(members(&partition(&sets)), vec![vec![0, 2], vec![1]]);
	}

	#[test]
	fn readers_of_one_key_stay_apart_until_a_writer_joins_them() {
		let reader = || AccessSet::new().read(Storage(b"k".to_vec()));
		assert_eq!(members(&partition(&[reader(), reader()])), vec![vec![0], vec![1]]);
		let writer = AccessSet::new().write(Storage(b"k".to_vec()));
		assert_eq!(members(&partition(&[reader(), reader(), writer])), vec![vec![0, 1, 2]]);
	}

	#[test]
	fn a_written_prefix_joins_every_key_under_it_but_not_its_siblings() {
		let sets = vec![
			AccessSet::new().read(Storage(b"ab1".to_vec())),
			AccessSet::new().read(Storage(b"ac".to_vec())),
			AccessSet::new().write(StoragePrefix(b"ab".to_vec())),
			AccessSet::new().read(StoragePrefix(b"a".to_vec())),
		];
		assert_eq!(members(&partition(&sets)), vec![vec![0, 2, 3], vec![1]]);
	}

	#[test]
	fn nested_read_prefixes_are_joined_by_a_write_below_them() {
		let sets = vec![
			AccessSet::new().read(StoragePrefix(b"a".to_vec())),
			AccessSet::new().read(StoragePrefix(b"ab".to_vec())),
			AccessSet::new().read(Storage(b"abc".to_vec())),
			AccessSet::new().write(Storage(b"abd".to_vec())),
		];
		assert_eq!(members(&partition(&sets)), vec![vec![0, 1, 3], vec![2]]);
	}

	#[test]
	fn empty_input_gives_no_groups_and_empty_sets_stand_alone() {
		assert!(partition(&[]).is_empty());
		assert_eq!(
			members(&partition(&[AccessSet::new(), AccessSet::new()])),
			vec![vec![0], vec![1]]
		);
	}
}
