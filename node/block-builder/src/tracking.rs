//! A state backend that records what the runtime read from it: point reads and the ranges it
//! iterated, in the main trie and in child tries.

use sp_core::{
	storage::{ChildInfo, StateVersion},
	Hasher as Hash,
};
use sp_state_machine::{
	Backend, BackendTransaction, IterArgs, StorageIterator, StorageKey, StorageValue, UsageInfo,
};
use sp_trie::MerkleValue;
use std::{collections::BTreeSet, ops::Bound, sync::Mutex};

/// A key in the state: `None` for the main trie, or the storage key of a child trie.
pub(crate) type Trie = Option<Vec<u8>>;

/// Keys in the order of the state: child trie, then key.
pub(crate) type StateKey = (Trie, Vec<u8>);

/// A range of keys read by iteration: every key of `trie` that starts with `prefix` and is at
/// or after `start` (and at or before `end`, when there is one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct KeyRange {
	pub(crate) trie: Trie,
	pub(crate) prefix: Vec<u8>,
	pub(crate) start: Vec<u8>,
	pub(crate) end: Option<Vec<u8>>,
}

impl KeyRange {
	/// Whether any of `keys` falls in this range.
	pub(crate) fn first_met<'k>(&self, keys: &'k BTreeSet<StateKey>) -> Option<&'k StateKey> {
		let lower = (self.trie.clone(), self.start.clone());
		let upper = match &self.end {
			Some(end) => Bound::Included((self.trie.clone(), end.clone())),
			None => Bound::Unbounded,
		};
		keys.range((Bound::Included(lower), upper))
			.take_while(|(trie, _)| *trie == self.trie)
			.find(|(_, key)| key.starts_with(&self.prefix))
	}
}

/// Everything read through a [`TrackingBackend`].
#[derive(Clone, Debug, Default)]
pub(crate) struct Reads {
	pub(crate) keys: BTreeSet<StateKey>,
	pub(crate) ranges: Vec<KeyRange>,
}

impl Reads {
	/// A key in `written` that a read saw (or a range it iterated over), if any.
	pub(crate) fn first_met<'w>(&self, written: &'w BTreeSet<StateKey>) -> Option<&'w StateKey> {
		self.keys
			.iter()
			.find_map(|key| written.get(key))
			.or_else(|| self.ranges.iter().find_map(|range| range.first_met(written)))
	}
}

/// Wraps a backend and records every key read from it. Reads the overlay answers never reach a
/// backend, so they are not recorded: the builder accounts for them.
pub(crate) struct TrackingBackend<'a, B> {
	inner: &'a B,
	reads: Mutex<Reads>,
}

impl<'a, B> TrackingBackend<'a, B> {
	pub(crate) fn new(inner: &'a B) -> Self {
		Self { inner, reads: Mutex::new(Reads::default()) }
	}

	/// What was read so far.
	pub(crate) fn into_reads(self) -> Reads {
		self.reads.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner())
	}

	fn log(&self, f: impl FnOnce(&mut Reads)) {
		let mut reads = self.reads.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		f(&mut reads)
	}

	fn read(&self, trie: Option<&ChildInfo>, key: &[u8]) {
		self.log(|reads| {
			reads.keys.insert((trie.map(|c| c.storage_key().to_vec()), key.to_vec()));
		})
	}

	fn range(&self, range: KeyRange) {
		self.log(|reads| reads.ranges.push(range))
	}
}

impl<B> core::fmt::Debug for TrackingBackend<'_, B> {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.write_str("TrackingBackend")
	}
}

/// Iterates the inner backend; the range it may cover was recorded when it was made.
pub(crate) struct TrackingIter<'a, B: Backend<H>, H: Hash> {
	inner: B::RawIter,
	_marker: core::marker::PhantomData<(&'a (), H)>,
}

impl<'a, B: Backend<H> + 'a, H: Hash> StorageIterator<H> for TrackingIter<'a, B, H> {
	type Backend = TrackingBackend<'a, B>;
	type Error = B::Error;

	fn next_key(&mut self, backend: &Self::Backend) -> Option<Result<StorageKey, Self::Error>> {
		self.inner.next_key(backend.inner)
	}

	fn next_pair(
		&mut self,
		backend: &Self::Backend,
	) -> Option<Result<(StorageKey, StorageValue), Self::Error>> {
		self.inner.next_pair(backend.inner)
	}

	fn was_complete(&self) -> bool {
		self.inner.was_complete()
	}
}

impl<'a, B: Backend<H> + 'a, H: Hash> Backend<H> for TrackingBackend<'a, B>
where
	H::Out: Ord + codec::Codec,
{
	type Error = B::Error;
	type TrieBackendStorage = B::TrieBackendStorage;
	type RawIter = TrackingIter<'a, B, H>;

	fn storage(&self, key: &[u8]) -> Result<Option<StorageValue>, Self::Error> {
		self.read(None, key);
		self.inner.storage(key)
	}

	fn storage_hash(&self, key: &[u8]) -> Result<Option<H::Out>, Self::Error> {
		self.read(None, key);
		self.inner.storage_hash(key)
	}

	fn closest_merkle_value(&self, key: &[u8]) -> Result<Option<MerkleValue<H::Out>>, Self::Error> {
		self.range(KeyRange { trie: None, prefix: key.to_vec(), start: key.to_vec(), end: None });
		self.inner.closest_merkle_value(key)
	}

	fn child_closest_merkle_value(
		&self,
		child_info: &ChildInfo,
		key: &[u8],
	) -> Result<Option<MerkleValue<H::Out>>, Self::Error> {
		self.range(KeyRange {
			trie: Some(child_info.storage_key().to_vec()),
			prefix: key.to_vec(),
			start: key.to_vec(),
			end: None,
		});
		self.inner.child_closest_merkle_value(child_info, key)
	}

	fn child_storage(
		&self,
		child_info: &ChildInfo,
		key: &[u8],
	) -> Result<Option<StorageValue>, Self::Error> {
		self.read(Some(child_info), key);
		self.inner.child_storage(child_info, key)
	}

	fn child_storage_hash(
		&self,
		child_info: &ChildInfo,
		key: &[u8],
	) -> Result<Option<H::Out>, Self::Error> {
		self.read(Some(child_info), key);
		self.inner.child_storage_hash(child_info, key)
	}

	fn exists_storage(&self, key: &[u8]) -> Result<bool, Self::Error> {
		self.read(None, key);
		self.inner.exists_storage(key)
	}

	fn exists_child_storage(
		&self,
		child_info: &ChildInfo,
		key: &[u8],
	) -> Result<bool, Self::Error> {
		self.read(Some(child_info), key);
		self.inner.exists_child_storage(child_info, key)
	}

	fn next_storage_key(&self, key: &[u8]) -> Result<Option<StorageKey>, Self::Error> {
		let next = self.inner.next_storage_key(key)?;
		self.range(KeyRange {
			trie: None,
			prefix: Vec::new(),
			start: key.to_vec(),
			end: next.clone(),
		});
		Ok(next)
	}

	fn next_child_storage_key(
		&self,
		child_info: &ChildInfo,
		key: &[u8],
	) -> Result<Option<StorageKey>, Self::Error> {
		let next = self.inner.next_child_storage_key(child_info, key)?;
		self.range(KeyRange {
			trie: Some(child_info.storage_key().to_vec()),
			prefix: Vec::new(),
			start: key.to_vec(),
			end: next.clone(),
		});
		Ok(next)
	}

	fn storage_root<'b>(
		&self,
		delta: impl Iterator<Item = (&'b [u8], Option<&'b [u8]>)>,
		state_version: StateVersion,
	) -> (H::Out, BackendTransaction<H>) {
		self.inner.storage_root(delta, state_version)
	}

	fn child_storage_root<'b>(
		&self,
		child_info: &ChildInfo,
		delta: impl Iterator<Item = (&'b [u8], Option<&'b [u8]>)>,
		state_version: StateVersion,
	) -> (H::Out, bool, BackendTransaction<H>) {
		self.inner.child_storage_root(child_info, delta, state_version)
	}

	fn raw_iter(&self, args: IterArgs) -> Result<Self::RawIter, Self::Error> {
		let prefix = args.prefix.unwrap_or_default().to_vec();
		let start = args.start_at.map(<[u8]>::to_vec).unwrap_or_else(|| prefix.clone());
		self.range(KeyRange {
			trie: args.child_info.as_ref().map(|c| c.storage_key().to_vec()),
			prefix,
			start,
			end: None,
		});
		Ok(TrackingIter { inner: self.inner.raw_iter(args)?, _marker: Default::default() })
	}

	fn register_overlay_stats(&self, stats: &sp_state_machine::StateMachineStats) {
		self.inner.register_overlay_stats(stats)
	}

	fn usage_info(&self) -> UsageInfo {
		self.inner.usage_info()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn keys(keys: &[&[u8]]) -> BTreeSet<StateKey> {
		keys.iter().map(|key| (None, key.to_vec())).collect()
	}

	#[test]
	fn a_range_meets_only_keys_inside_it_with_its_prefix() {
		let range =
			KeyRange { trie: None, prefix: b"ab".to_vec(), start: b"abc".to_vec(), end: None };
		assert!(range.first_met(&keys(&[b"abd"])).is_some());
		assert!(range.first_met(&keys(&[b"abc"])).is_some());
		assert!(range.first_met(&keys(&[b"abb"])).is_none());
		assert!(range.first_met(&keys(&[b"ac"])).is_none());
		let bounded = KeyRange { end: Some(b"abe".to_vec()), ..range.clone() };
		assert!(bounded.first_met(&keys(&[b"abe"])).is_some());
		assert!(bounded.first_met(&keys(&[b"abf"])).is_none());
		let child = (Some(b"child".to_vec()), b"abd".to_vec());
		assert!(range.first_met(&[child].into_iter().collect()).is_none());
	}
}
