//! Partition transactions into groups that share nothing, and pack the groups onto lanes.
//!
//! [`partition`] is exact: two transactions end up in the same group iff a chain of conflicting
//! pairs (in the sense of [`AccessSet::conflicts_with`]) joins them. So the result is a pure
//! function of the conflict relation: the order of keys inside a set, the order of the sort, or
//! anything else internal cannot change it.
//!
//! How: every key of every set becomes an entry `(space, bytes, is_prefix, is_write, tx)`. After
//! sorting by `(space, bytes, prefix-before-exact)`, equal keys are adjacent and every key a
//! prefix covers follows it directly, so one sweep with a stack of the prefixes still "open"
//! finds all overlaps. Union-find joins conflicting transactions. Costs `O(K log K)` for `K`
//! keys in all (the sort) plus near-linear union-find.
//!
//! The sort dominates, and is bound by memory: every key's bytes live in their own allocation.
//! So each entry carries its first 8 bytes inline (`head`), the sort orders by that integer
//! first, and key bytes are read only where two heads are equal (equal keys, mostly).

use crate::{AccessKey, AccessSet, TxIndex};
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
	let spaces = entries_by_space(sets);
	let mut sets = DisjointSets::new(sets.len());
	for mut entries in spaces {
		sort_entries(&mut entries);
		join_conflicts(&entries, &mut sets);
	}
	sets.into_groups()
}

/// Every key of every set as an [`Entry`], accounts (space 0) apart from storage (space 1),
/// in input order.
///
/// # Panics
///
/// If there are more than `u32::MAX` transactions.
pub(crate) fn entries_by_space(sets: &[AccessSet]) -> [Vec<Entry<'_>>; 2] {
	// Unreachable in the runtime (wasm32: `usize` is 32 bits); on the node, a block admits far
	// fewer transactions than u32::MAX, and the index type is what `Group` stores.
	let count = TxIndex::try_from(sets.len()).expect("more than u32::MAX transactions");
	let keys = sets.iter().map(AccessSet::len).sum();
	let mut spaces = [Vec::new(), Vec::with_capacity(keys)];
	for (tx, set) in (0..count).zip(sets) {
		let keys = set
			.reads
			.iter()
			.map(|key| (key, false))
			.chain(set.writes.iter().map(|k| (k, true)));
		for (key, is_write) in keys {
			let entry = Entry::new(key, is_write, tx);
			spaces[entry.space as usize].push(entry);
		}
	}
	spaces
}

/// Sort the entries of one space by [`Entry::sort_key`]: first by the inline head alone (a
/// cheap integer sort that never reads key bytes), then each run of equal heads by the full
/// key. Same result as one sort by the full key, at a fraction of the memory traffic.
pub(crate) fn sort_entries(entries: &mut [Entry]) {
	entries.sort_unstable_by_key(|e| e.head);
	let mut start = 0;
	while start < entries.len() {
		let head = entries[start].head;
		let len = entries[start..].iter().take_while(|e| e.head == head).count();
		let run = &mut entries[start..start + len];
		if run[1..].iter().all(|e| e.bytes == run[0].bytes) {
			// One key (the usual case for hashed keys): only prefix-before-exact is left.
			run.sort_unstable_by_key(|e| !e.is_prefix);
		} else {
			run.sort_unstable_by(|a, b| a.sort_key().cmp(&b.sort_key()));
		}
		start += len;
	}
}

/// One key of one transaction, as the sweep sees it.
pub(crate) struct Entry<'a> {
	/// The first 8 bytes of `bytes`, big-endian, zero-padded: ordering by `head` first agrees
	/// with ordering by `bytes` and mostly settles it without touching `bytes`, which live
	/// elsewhere in memory (the sort is otherwise bound by cache misses).
	head: u64,
	/// 0 for accounts, 1 for storage: accounts never overlap storage.
	pub(crate) space: u8,
	bytes: &'a [u8],
	pub(crate) is_prefix: bool,
	pub(crate) is_write: bool,
	pub(crate) tx: TxIndex,
}

impl<'a> Entry<'a> {
	pub(crate) fn new(key: &'a AccessKey, is_write: bool, tx: TxIndex) -> Self {
		let (space, bytes, is_prefix) = match key {
			AccessKey::Account(bytes) => (0, bytes, false),
			AccessKey::Storage(bytes) => (1, bytes, false),
			AccessKey::StoragePrefix(bytes) => (1, bytes, true),
		};
		let mut head = [0u8; 8];
		let len = bytes.len().min(8);
		head[..len].copy_from_slice(&bytes[..len]);
		Entry { head: u64::from_be_bytes(head), space, bytes, is_prefix, is_write, tx }
	}

	/// Equal keys adjacent, a prefix before every key it covers (itself as an exact key too).
	fn sort_key(&self) -> (u8, &'a [u8], bool) {
		(self.space, self.bytes, !self.is_prefix)
	}

	/// Whether `self` and `other` have the same [`Entry::sort_key`]; reads the key bytes only
	/// when the inline fields agree.
	pub(crate) fn same_key(&self, other: &Entry) -> bool {
		self.space == other.space &&
			self.head == other.head &&
			self.is_prefix == other.is_prefix &&
			self.bytes == other.bytes
	}

	pub(crate) fn covers(&self, other: &Entry) -> bool {
		self.is_prefix && self.space == other.space && other.bytes.starts_with(self.bytes)
	}
}

/// A prefix whose range the sweep is inside.
struct OpenPrefix<'a> {
	entry: &'a Entry<'a>,
	/// The transaction of the innermost writing prefix at or below this one on the stack. All
	/// writing prefixes on the stack are already joined (each lies in the range of the ones
	/// below it), so joining this one joins them all.
	innermost_writer: Option<TxIndex>,
}

/// Join every pair of conflicting transactions, given their keys sorted by [`Entry::sort_key`].
fn join_conflicts(entries: &[Entry], sets: &mut DisjointSets) {
	let mut open: Vec<OpenPrefix> = Vec::new();
	// `open[..joined]` are known to be in one set together with the last writer seen in their
	// range; a new writer only has to join the prefixes above that and one of those below.
	let mut joined = 0;
	let mut run_start = 0;
	while run_start < entries.len() {
		// A run of equal keys: if one of them writes, they all conflict with it.
		let first = &entries[run_start];
		// `1 +`: comparing `first` with itself would read its bytes for nothing.
		let run_len = 1 + entries[run_start + 1..].iter().take_while(|e| e.same_key(first)).count();
		let run = &entries[run_start..run_start + run_len];
		run_start += run_len;

		while open.last().is_some_and(|p| !p.entry.covers(first)) {
			open.pop();
		}
		joined = joined.min(open.len());
		if let Some(writer) = run.iter().find(|e| e.is_write).filter(|_| run_len > 1) {
			run.iter().for_each(|e| sets.union(e.tx, writer.tx));
		}

		for entry in run {
			// Every open prefix covers this entry.
			if let Some(writer) = open.last().and_then(|p| p.innermost_writer) {
				sets.union(entry.tx, writer);
			}
			if entry.is_write {
				for prefix in &open[joined..] {
					sets.union(entry.tx, prefix.entry.tx);
				}
				if let Some(prefix) = open[..joined].last() {
					sets.union(entry.tx, prefix.entry.tx);
				}
				joined = open.len();
			}
			if entry.is_prefix {
				let below = open.last().and_then(|p| p.innermost_writer);
				let innermost_writer = if entry.is_write { Some(entry.tx) } else { below };
				open.push(OpenPrefix { entry, innermost_writer });
			}
		}
	}
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
	use crate::AccessKey::*;

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
