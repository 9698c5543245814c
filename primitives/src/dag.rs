//! The conflict DAG of transactions in pool order: which earlier transactions each one must wait
//! for, and the levels that follow from it.
//!
//! Components ([`crate::partition`]) say what may run apart at all; the DAG says what may run at
//! the same time. In 1,000 random transfers among 1,000 accounts nearly every transaction is in
//! one component, but the longest chain of real dependencies is about ten deep: levels of a
//! hundred transactions that conflict with nothing else in their level.
//!
//! Edges: a transaction depends, for each key it touches, on the latest earlier transaction
//! that conflicts with it on that key: a read on the last earlier write of the key, a write on
//! the last earlier write and on every read since (those reads do not conflict with each other,
//! so none of them stands for the others). Reads after reads add nothing. A storage prefix
//! conflicts with every key it covers, so it gets an edge to each conflicting access under it.
//! Every pair of conflicting transactions is then joined by a path from the earlier to the later
//! one, so any order that puts each transaction after its dependencies (a topological order)
//! keeps every conflicting pair in pool order: it gives a sequential importer the same result as
//! pool order, nonces included.

use crate::{
	keys::{Access, KeyIndex},
	partition::DisjointSets,
	AccessSet, Group, ScheduleError, TxIndex,
};
use alloc::{vec, vec::Vec};

/// The conflict DAG of transactions given by their access sets in pool order.
///
/// Invariants: the dependencies of `tx` are earlier transactions that conflict with it,
/// ascending and without duplicates; every conflicting pair `i < j` is joined by a path of
/// dependencies from `j` back to `i`; `level(tx)` is 0 for a transaction without dependencies
/// and otherwise one more than the deepest of its dependencies, which is the length of the
/// longest chain of conflicts in pool order that ends at `tx`.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct ConflictDag {
	/// `dependencies[offsets[tx]..offsets[tx + 1]]` are the dependencies of `tx`.
	offsets: Vec<usize>,
	dependencies: Vec<TxIndex>,
	levels: Vec<u32>,
}

impl ConflictDag {
	/// The DAG of `sets` (in pool order). Costs `O(K + E)` for `K` keys and `E` edges (the keys
	/// interned by number in one pass, each transaction's dependencies sorted on their own), plus,
	/// if a key is a storage prefix, a sort of the distinct storage keys and the accesses of every
	/// key a prefix covers (a prefix of all of storage covers every storage key of the block).
	///
	/// # Panics
	///
	/// If there are more than `u32::MAX` transactions or keys (a block admits far fewer; see
	/// [`crate::partition`]).
	pub fn new(sets: &[AccessSet]) -> Self {
		let index = KeyIndex::new(sets);
		// (later, earlier) pairs.
		let mut edges: Vec<(TxIndex, TxIndex)> = Vec::new();
		let mut readers: Vec<TxIndex> = Vec::new();
		for key in 0..index.len() {
			key_edges(index.accesses(key), &mut readers, &mut edges);
		}
		index.for_each_covered(|prefix, covered| {
			for a in index.accesses(prefix) {
				for b in index.accesses(covered) {
					if a.tx != b.tx && (a.is_write || b.is_write) {
						edges.push((a.tx.max(b.tx), a.tx.min(b.tx)));
					}
				}
			}
		});
		// Bucket the edges by their later end (a counting sort: linear, where sorting all edges
		// was the costliest step of a large block), then sort each small bucket.
		let mut starts = vec![0usize; sets.len() + 1];
		for &(later, _) in &edges {
			starts[later as usize + 1] += 1;
		}
		for tx in 0..sets.len() {
			starts[tx + 1] += starts[tx];
		}
		let mut next = starts.clone();
		let mut bucketed = vec![0 as TxIndex; edges.len()];
		for &(later, earlier) in &edges {
			bucketed[next[later as usize]] = earlier;
			next[later as usize] += 1;
		}
		drop(edges);

		let mut offsets = Vec::with_capacity(sets.len() + 1);
		let mut dependencies = Vec::with_capacity(bucketed.len());
		let mut levels = vec![0u32; sets.len()];
		offsets.push(0);
		for tx in 0..sets.len() {
			let bucket = &mut bucketed[starts[tx]..starts[tx + 1]];
			bucket.sort_unstable();
			let first = dependencies.len();
			let mut level = 0;
			for &earlier in bucket.iter() {
				debug_assert!((earlier as usize) < tx);
				if dependencies.len() > first && dependencies.last() == Some(&earlier) {
					continue;
				}
				dependencies.push(earlier);
				level = level.max(levels[earlier as usize] + 1);
			}
			levels[tx] = level;
			offsets.push(dependencies.len());
		}
		Self { offsets, dependencies, levels }
	}

	/// How many transactions the DAG has.
	pub fn len(&self) -> usize {
		self.levels.len()
	}

	/// Whether the DAG has no transaction.
	pub fn is_empty(&self) -> bool {
		self.levels.is_empty()
	}

	/// The earlier transactions `tx` waits for, ascending.
	///
	/// # Panics
	///
	/// If `tx` is not a transaction of the DAG.
	pub fn dependencies(&self, tx: TxIndex) -> &[TxIndex] {
		let tx = tx as usize;
		&self.dependencies[self.offsets[tx]..self.offsets[tx + 1]]
	}

	/// Every edge of the DAG: how many dependencies all transactions have together.
	pub fn edge_count(&self) -> usize {
		self.dependencies.len()
	}

	/// The level of each transaction, by transaction.
	pub fn levels(&self) -> &[u32] {
		&self.levels
	}

	/// The connected components of the conflict graph: what [`crate::partition`] returns for the
	/// same access sets (every conflicting pair is joined by a path of dependencies, and every
	/// dependency is a conflict), without sorting the keys again.
	pub fn components(&self) -> Vec<Group> {
		self.disjoint_sets().into_groups()
	}

	/// The component of each transaction, numbered in the order of their first members (the
	/// index of its group in [`Self::components`]), and how many there are.
	pub fn component_ids(&self) -> (Vec<TxIndex>, usize) {
		self.disjoint_sets().into_ids()
	}

	/// The transactions joined along every dependency.
	fn disjoint_sets(&self) -> DisjointSets {
		let mut sets = DisjointSets::new(self.len());
		for tx in 0..self.len() as TxIndex {
			for &dependency in self.dependencies(tx) {
				sets.union(tx, dependency);
			}
		}
		sets
	}

	/// How many levels there are: the length of the longest chain of conflicts (0 if empty).
	pub fn depth(&self) -> u32 {
		self.levels.iter().max().map_or(0, |deepest| deepest + 1)
	}

	/// The transactions of each level, each level in pool order. Concatenated, the levels are a
	/// topological order that keeps every conflicting pair in pool order ([`Self::order`]).
	pub fn by_level(&self) -> Vec<Vec<TxIndex>> {
		let mut levels = vec![Vec::new(); self.depth() as usize];
		for (tx, level) in (0..).zip(&self.levels) {
			levels[*level as usize].push(tx);
		}
		levels
	}

	/// The levels concatenated: a block order that any sequential importer executes with the
	/// result of pool order. Depends only on the access sets, never on threads or costs.
	pub fn order(&self) -> Vec<TxIndex> {
		self.by_level().concat()
	}

	/// The cost of the costliest chain of dependencies, `costs[tx]` being the cost of `tx`
	/// (saturating): no schedule on any number of threads finishes sooner.
	pub fn critical_path(&self, costs: &[u64]) -> Result<u64, ScheduleError> {
		let mut finish: Vec<u64> = Vec::with_capacity(self.len());
		for tx in 0..self.len() as TxIndex {
			let cost = *costs
				.get(tx as usize)
				.ok_or(ScheduleError::MissingCost { tx, costs: costs.len() })?;
			let start =
				self.dependencies(tx).iter().map(|&d| finish[d as usize]).max().unwrap_or(0);
			finish.push(start.saturating_add(cost));
		}
		Ok(finish.into_iter().max().unwrap_or(0))
	}
}

/// Push the `(later, earlier)` edges of one key's `accesses` (in pool order, a transaction once):
/// each access after the last earlier write, and each write after every read since that write.
fn key_edges(accesses: &[Access], readers: &mut Vec<TxIndex>, edges: &mut Vec<(TxIndex, TxIndex)>) {
	let mut last_writer = None;
	readers.clear();
	for access in accesses {
		if let Some(writer) = last_writer {
			edges.push((access.tx, writer));
		}
		if access.is_write {
			edges.extend(readers.drain(..).map(|reader| (access.tx, reader)));
			last_writer = Some(access.tx);
		} else {
			readers.push(access.tx);
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::AccessKey::{self, *};

	fn account(n: u8) -> AccessKey {
		Account(vec![n])
	}

	fn transfer(from: u8, to: u8) -> AccessSet {
		AccessSet::new().write(account(from)).write(account(to))
	}

	#[test]
	fn a_chain_of_transfers_in_one_component_runs_in_levels() {
		// 0: 1->2, 1: 3->4, 2: 2->3, 3: 5->6, 4: 1->5.
		let sets =
			vec![transfer(1, 2), transfer(3, 4), transfer(2, 3), transfer(5, 6), transfer(1, 5)];
		let dag = ConflictDag::new(&sets);
		assert_eq!(dag.dependencies(2), &[0, 1]);
		assert_eq!(dag.dependencies(4), &[0, 3]);
		assert_eq!(dag.levels(), &[0, 0, 1, 0, 1]);
		assert_eq!(dag.by_level(), vec![vec![0, 1, 3], vec![2, 4]]);
		assert_eq!(dag.order(), vec![0, 1, 3, 2, 4]);
		assert_eq!(dag.critical_path(&[1, 1, 5, 1, 1]), Ok(6));
	}

	#[test]
	fn a_write_waits_for_every_read_since_the_last_write_and_reads_do_not_wait_for_reads() {
		let key = || Storage(b"k".to_vec());
		let sets = vec![
			AccessSet::new().write(key()),
			AccessSet::new().read(key()),
			AccessSet::new().read(key()),
			AccessSet::new().write(key()),
			AccessSet::new().read(key()),
		];
		let dag = ConflictDag::new(&sets);
		assert_eq!(dag.dependencies(1), &[0]);
		assert_eq!(dag.dependencies(2), &[0]);
		assert_eq!(dag.dependencies(3), &[0, 1, 2]);
		assert_eq!(dag.dependencies(4), &[3]);
		assert_eq!(dag.levels(), &[0, 1, 1, 2, 3]);
	}

	#[test]
	fn a_prefix_of_all_storage_is_a_barrier_between_storage_accesses_only() {
		let sets = vec![
			AccessSet::new().write(Storage(b"a".to_vec())),
			AccessSet::new().write(StoragePrefix(Vec::new())),
			AccessSet::new().read(Storage(b"b".to_vec())),
			AccessSet::new().write(account(1)),
		];
		let dag = ConflictDag::new(&sets);
		assert_eq!(dag.dependencies(1), &[0]);
		assert_eq!(dag.dependencies(2), &[1]);
		assert!(dag.dependencies(3).is_empty(), "accounts are not storage keys");
		assert_eq!(dag.depth(), 3);
	}

	#[test]
	fn no_transactions_no_levels_and_missing_costs_are_named() {
		let dag = ConflictDag::new(&[]);
		assert!(dag.is_empty() && dag.order().is_empty());
		assert_eq!((dag.depth(), dag.critical_path(&[])), (0, Ok(0)));
		let dag = ConflictDag::new(&[transfer(1, 2)]);
		assert_eq!(dag.critical_path(&[]), Err(ScheduleError::MissingCost { tx: 0, costs: 0 }));
	}
}
