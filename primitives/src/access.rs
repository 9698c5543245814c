//! Access sets: what a transaction reads and writes, and when two transactions conflict.

use alloc::{collections::BTreeSet, vec::Vec};
use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;

/// One thing a transaction may read or write.
///
/// Keys live in two separate spaces: accounts, and storage keys. An account key never overlaps a
/// storage key; which storage an account stands for is the runtime's business (by default the
/// builder partitions by account and validates by the storage keys really touched).
///
/// Invariant of [`AccessKey::overlaps`]: two accounts overlap iff their bytes are equal; two
/// exact storage keys overlap iff they are equal; a prefix overlaps every storage key that starts
/// with it (the prefix itself included) and every prefix that starts with it or that it starts
/// with. The relation is symmetric and reflexive.
#[derive(
	Clone,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Hash,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
)]
pub enum AccessKey {
	/// An account, named by the SCALE encoding of the runtime's `AccountId`.
	Account(Vec<u8>),
	/// Exactly one storage key.
	Storage(Vec<u8>),
	/// Every storage key that starts with these bytes, the bytes themselves included. The empty
	/// prefix covers all of storage.
	StoragePrefix(Vec<u8>),
}

impl AccessKey {
	/// Whether `self` and `other` name at least one common account or storage key.
	pub fn overlaps(&self, other: &AccessKey) -> bool {
		use AccessKey::*;
		match (self, other) {
			(Account(a), Account(b)) | (Storage(a), Storage(b)) => a == b,
			(StoragePrefix(p), Storage(k)) | (Storage(k), StoragePrefix(p)) => k.starts_with(p),
			(StoragePrefix(p), StoragePrefix(q)) => p.starts_with(q) || q.starts_with(p),
			(Account(_), _) | (_, Account(_)) => false,
		}
	}
}

/// The keys one transaction reads and writes.
///
/// Invariant: a key listed in `writes` counts as read too; listing it in `reads` as well changes
/// nothing. Both are sets, so the order in which keys were added never matters, and the SCALE
/// encoding of equal sets is equal.
#[derive(Clone, PartialEq, Eq, Default, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct AccessSet {
	/// Keys the transaction may read and does not write.
	pub reads: BTreeSet<AccessKey>,
	/// Keys the transaction may write (and read).
	pub writes: BTreeSet<AccessKey>,
}

impl AccessSet {
	/// An access set that touches nothing.
	pub fn new() -> Self {
		Self::default()
	}

	/// This set with `key` added to its reads.
	pub fn read(mut self, key: AccessKey) -> Self {
		self.reads.insert(key);
		self
	}

	/// This set with `key` added to its writes.
	pub fn write(mut self, key: AccessKey) -> Self {
		self.writes.insert(key);
		self
	}

	/// Whether running `self` and `other` in either order could give a different result than
	/// running them apart: a key written by one overlaps a key read or written by the other.
	/// Two reads never conflict. Symmetric. Costs `O(|self| * |other|)`; [`crate::partition`]
	/// finds all conflicts of many sets at once in near-linear time.
	pub fn conflicts_with(&self, other: &AccessSet) -> bool {
		let overlaps_any =
			|key: &AccessKey, keys: &BTreeSet<AccessKey>| keys.iter().any(|k| key.overlaps(k));
		self.writes
			.iter()
			.any(|w| overlaps_any(w, &other.writes) || overlaps_any(w, &other.reads)) ||
			other.writes.iter().any(|w| overlaps_any(w, &self.reads))
	}

	/// How many keys the set lists, reads and writes together.
	pub fn len(&self) -> usize {
		self.reads.len() + self.writes.len()
	}

	/// Whether the set lists no key at all.
	pub fn is_empty(&self) -> bool {
		self.reads.is_empty() && self.writes.is_empty()
	}
}

#[cfg(test)]
mod tests {
	use super::{AccessKey::*, *};

	fn v(b: &[u8]) -> Vec<u8> {
		b.to_vec()
	}

	#[test]
	fn a_prefix_covers_the_keys_under_it_and_itself() {
		assert!(StoragePrefix(v(b"ab")).overlaps(&Storage(v(b"abc"))));
		assert!(StoragePrefix(v(b"ab")).overlaps(&Storage(v(b"ab"))));
		assert!(!StoragePrefix(v(b"ab")).overlaps(&Storage(v(b"a"))));
		assert!(!StoragePrefix(v(b"ab")).overlaps(&Storage(v(b"ac"))));
		assert!(StoragePrefix(v(b"")).overlaps(&Storage(v(b"anything"))));
	}

	#[test]
	fn nested_prefixes_overlap_and_siblings_do_not() {
		assert!(StoragePrefix(v(b"a")).overlaps(&StoragePrefix(v(b"ab"))));
		assert!(StoragePrefix(v(b"ab")).overlaps(&StoragePrefix(v(b"a"))));
		assert!(!StoragePrefix(v(b"ab")).overlaps(&StoragePrefix(v(b"ac"))));
	}

	#[test]
	fn accounts_never_overlap_storage() {
		assert!(!Account(v(b"ab")).overlaps(&Storage(v(b"ab"))));
		assert!(!Account(v(b"ab")).overlaps(&StoragePrefix(v(b""))));
		assert!(Account(v(b"ab")).overlaps(&Account(v(b"ab"))));
		assert!(!Account(v(b"ab")).overlaps(&Account(v(b"abc"))));
	}

	#[test]
	fn read_read_never_conflicts_but_read_write_and_write_write_do() {
		let reads_k = AccessSet::new().read(Storage(v(b"k")));
		let writes_k = AccessSet::new().write(Storage(v(b"k")));
		let writes_prefix = AccessSet::new().write(StoragePrefix(v(b"")));
		assert!(!reads_k.conflicts_with(&reads_k.clone()));
		assert!(reads_k.conflicts_with(&writes_k));
		assert!(writes_k.conflicts_with(&reads_k));
		assert!(writes_k.conflicts_with(&writes_k.clone()));
		assert!(writes_prefix.conflicts_with(&reads_k));
		assert!(!writes_prefix.conflicts_with(&AccessSet::new().write(Account(v(b"k")))));
	}

	#[test]
	fn equal_sets_encode_equally_whatever_the_insertion_order() {
		let a = AccessSet::new().write(Account(v(b"x"))).write(Account(v(b"y")));
		let b = AccessSet::new().write(Account(v(b"y"))).write(Account(v(b"x")));
		assert_eq!(a.encode(), b.encode());
		assert_eq!(AccessSet::decode(&mut &a.encode()[..]).ok(), Some(b));
	}
}
