//! Every key of a block's access sets by number, and each key's accesses in pool order: the index
//! [`crate::ConflictDag`] is built from.
//!
//! Interning, not sorting: each key's bytes are hashed once into a table of dense key numbers,
//! numbered in the order keys first appear. The table is only looked up, never iterated, and its
//! hasher changes nothing but speed, so the numbers and everything built from them are a pure
//! function of the access sets. A counting sort by key number then lists each key's accesses in
//! pool order in linear time. Sorting the keys themselves (what [`crate::partition`] did before)
//! compares their bytes, which live in an allocation of their own each, and real storage keys
//! share their first 32 bytes (the pallet's and the item's hash): on 100,000 transactions with
//! keys shaped like `frame_system::Account`'s the sort took three times as long.
//!
//! Only storage prefixes need an order among keys (a prefix covers the keys that start with it):
//! the distinct storage keys are sorted in a block that has a prefix, and only there.

use crate::{AccessKey, AccessSet, TxIndex};
use alloc::{vec, vec::Vec};
use core::hash::BuildHasher;
use foldhash::fast::FixedState;
use hashbrown::{hash_table::Entry, HashTable};

/// A key's number: its position among the distinct keys, in order of first appearance.
pub(crate) type KeyNumber = u32;

/// What a transaction does with a key.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Access {
	/// The transaction.
	pub(crate) tx: TxIndex,
	/// Whether it writes the key (and reads it); otherwise it only reads it.
	pub(crate) is_write: bool,
}

/// The distinct keys of some access sets and each one's accesses.
///
/// Invariants: every key of every set has exactly one number; `accesses(key)` lists each
/// transaction that names `key` exactly once, ascending, as a write if the transaction writes it
/// (whether or not it also lists it as read).
pub(crate) struct KeyIndex<'a> {
	/// The distinct keys, by number.
	keys: Vec<&'a AccessKey>,
	/// `accesses[starts[key]..starts[key + 1]]` are the accesses of `key`.
	starts: Vec<usize>,
	accesses: Vec<Access>,
	/// Whether any key is a storage prefix.
	has_prefix: bool,
}

/// A distinct key in the interning table: its number, and the upper half of its hash.
///
/// The table's own tag (the top 7 bits of the hash) lets one of ~128 other keys through to the
/// comparison, and comparing means loading the interned key (an allocation elsewhere, a cache
/// miss on 100,000 transactions); comparing `check` (25 bits more) first turns almost all of
/// those away without a load. Equal keys have equal hashes, so `check` never turns away an
/// equal key, and the numbers stay what they were without it.
#[derive(Clone, Copy)]
struct Interned {
	number: KeyNumber,
	check: u32,
}

/// The bytes a key names, whatever its kind: what the table hashes.
fn bytes_of(key: &AccessKey) -> &[u8] {
	match key {
		AccessKey::Account(bytes) | AccessKey::Storage(bytes) | AccessKey::StoragePrefix(bytes) =>
			bytes,
	}
}

impl<'a> KeyIndex<'a> {
	/// The index of `sets` (in pool order). Linear in the keys of all sets (one hash each, and one
	/// comparison of bytes for each key seen before), plus sorting the distinct storage keys if
	/// one is a prefix.
	///
	/// # Panics
	///
	/// If there are more than `u32::MAX` transactions or keys in all (a block admits far fewer;
	/// the numbers are `u32` to keep the index small).
	pub(crate) fn new(sets: &'a [AccessSet]) -> Self {
		// Unreachable in the runtime (wasm32: `usize` is 32 bits); on the node, a block admits far
		// fewer transactions than u32::MAX, and the index type is what `Group` stores.
		let count = TxIndex::try_from(sets.len()).expect("more than u32::MAX transactions");
		let total: usize = sets.iter().map(AccessSet::len).sum();
		KeyNumber::try_from(total).expect("more than u32::MAX keys");
		let hasher = FixedState::with_seed(0);
		let hash = |key: &AccessKey| hasher.hash_one(bytes_of(key));
		// Room for every key at once: growing the table would hash every key again, each a cache
		// miss (a block of few distinct keys pays for an emptier table instead).
		let mut table: HashTable<Interned> = HashTable::with_capacity(total);
		let mut keys: Vec<&AccessKey> = Vec::new();
		let mut has_prefix = false;
		// Every (key, access) in pool order, and how many accesses each key has.
		let mut named: Vec<(KeyNumber, Access)> = Vec::with_capacity(total);
		let mut counts: Vec<u32> = Vec::new();
		for (tx, set) in (0..count).zip(sets) {
			let reads = set.reads.iter().map(|key| (key, false));
			for (key, is_write) in reads.chain(set.writes.iter().map(|key| (key, true))) {
				let key_hash = hash(key);
				let check = (key_hash >> 32) as u32;
				let entry = table.entry(
					key_hash,
					|interned| interned.check == check && keys[interned.number as usize] == key,
					|interned| hash(keys[interned.number as usize]),
				);
				let number = match entry {
					Entry::Occupied(entry) => entry.get().number,
					Entry::Vacant(entry) => {
						// At most `total` keys, which fits (checked above).
						let number = keys.len() as KeyNumber;
						entry.insert(Interned { number, check });
						keys.push(key);
						counts.push(0);
						has_prefix |= matches!(key, AccessKey::StoragePrefix(_));
						number
					},
				};
				counts[number as usize] += 1;
				named.push((number, Access { tx, is_write }));
			}
		}
		drop(table);

		// Counting sort by key, stable: each key's accesses stay in pool order.
		let mut starts = vec![0usize; keys.len() + 1];
		for (key, count) in counts.iter().enumerate() {
			starts[key + 1] = starts[key] + *count as usize;
		}
		let mut next = starts.clone();
		let mut accesses = vec![Access { tx: 0, is_write: false }; named.len()];
		for (key, access) in named {
			accesses[next[key as usize]] = access;
			next[key as usize] += 1;
		}
		// A transaction that lists a key as read and as written names it twice, and its two
		// accesses are adjacent: keep one write.
		let mut kept = 0;
		for key in 0..keys.len() {
			let (start, end) = (starts[key], starts[key + 1]);
			starts[key] = kept;
			for at in start..end {
				let access = accesses[at];
				match accesses[..kept].last_mut() {
					Some(last) if kept > starts[key] && last.tx == access.tx =>
						last.is_write |= access.is_write,
					_ => {
						accesses[kept] = access;
						kept += 1;
					},
				}
			}
		}
		starts[keys.len()] = kept;
		accesses.truncate(kept);
		Self { keys, starts, accesses, has_prefix }
	}

	/// How many distinct keys there are; their numbers are `0..len()`.
	pub(crate) fn len(&self) -> usize {
		self.keys.len()
	}

	/// The accesses of `key`, ascending by transaction, each transaction once.
	pub(crate) fn accesses(&self, key: usize) -> &[Access] {
		&self.accesses[self.starts[key]..self.starts[key + 1]]
	}

	/// Call `covers(prefix, key)` for every storage prefix and every other key it covers (an
	/// exact key that starts with it, its own bytes included, or a longer prefix), each pair
	/// once: every overlap of two distinct keys ([`AccessKey::overlaps`]). Nothing in a block
	/// without prefixes; otherwise costs a sort of the distinct storage keys plus the pairs.
	pub(crate) fn for_each_covered(&self, mut covers: impl FnMut(usize, usize)) {
		if !self.has_prefix {
			return;
		}
		// Storage keys by bytes, a prefix before the exact key of the same bytes (distinct keys,
		// so the number never decides): the keys a prefix covers follow it directly.
		let mut storage: Vec<(&[u8], bool, usize)> = (self.keys.iter().enumerate())
			.filter_map(|(number, key)| match key {
				AccessKey::Storage(bytes) => Some((bytes.as_slice(), true, number)),
				AccessKey::StoragePrefix(bytes) => Some((bytes.as_slice(), false, number)),
				AccessKey::Account(_) => None,
			})
			.collect();
		storage.sort_unstable();
		for (at, &(bytes, is_exact, prefix)) in storage.iter().enumerate() {
			if is_exact {
				continue;
			}
			for &(_, _, covered) in
				storage[at + 1..].iter().take_while(|(other, ..)| other.starts_with(bytes))
			{
				covers(prefix, covered);
			}
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::AccessKey::*;

	fn key(b: &[u8]) -> AccessKey {
		Storage(b.to_vec())
	}

	#[test]
	fn each_key_lists_its_transactions_once_in_pool_order() {
		let sets = vec![
			AccessSet::new().write(key(b"a")).read(key(b"b")),
			AccessSet::new().read(key(b"a")).write(key(b"a")),
			AccessSet::new().read(key(b"b")).write(Account(b"b".to_vec())),
		];
		let index = KeyIndex::new(&sets);
		// Numbered in order of first appearance: set 0's reads, then its writes.
		assert_eq!(index.len(), 3);
		let write = |tx| Access { tx, is_write: true };
		let read = |tx| Access { tx, is_write: false };
		assert_eq!(index.accesses(0), &[read(0), read(2)], "b");
		assert_eq!(index.accesses(1), &[write(0), write(1)], "a, read and written by 1");
		assert_eq!(index.accesses(2), &[write(2)], "the account b is not the storage key b");
	}

	#[test]
	fn a_prefix_covers_the_keys_and_prefixes_under_it_and_its_own_bytes() {
		let sets = vec![
			AccessSet::new().read(StoragePrefix(b"a".to_vec())),
			AccessSet::new().read(key(b"a")).read(key(b"ab")).read(key(b"b")),
			AccessSet::new()
				.read(StoragePrefix(b"ab".to_vec()))
				.read(Account(b"a".to_vec())),
		];
		let index = KeyIndex::new(&sets);
		let mut pairs = Vec::new();
		index.for_each_covered(|prefix, covered| pairs.push((prefix, covered)));
		pairs.sort_unstable();
		// Numbers: "a"* 0, a 1, ab 2, b 3, account a 4, "ab"* 5.
		assert_eq!(pairs, vec![(0, 1), (0, 2), (0, 5), (5, 2)]);
		let without = KeyIndex::new(&sets[1..2]);
		without.for_each_covered(|_, _| panic!("no prefix, no pair"));
	}
}
