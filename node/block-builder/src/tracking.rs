//! A state backend that records what the runtime read from it (point reads and the ranges it
//! iterated, in the main trie and in child tries), over a [`Layer`] of the block's writes so far
//! and the parent state.

use sp_core::{
	storage::{ChildInfo, StateVersion},
	Hasher as Hash,
};
use sp_state_machine::{
	Backend, BackendTransaction, IterArgs, StorageIterator, StorageKey, StorageValue, UsageInfo,
};
use sp_trie::{MerkleValue, RandomState};
use std::{
	collections::{BTreeMap, BTreeSet},
	ops::Bound,
	sync::Mutex,
};

/// A key in the state: `None` for the main trie, or the storage key of a child trie.
pub(crate) type Trie = Option<Vec<u8>>;

/// A key of the state, ordered as the state is: child trie (the main trie first), then key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct StateKey {
	/// `None` for the main trie, or the storage key of the child trie.
	pub(crate) trie: Trie,
	/// The key within that trie.
	pub(crate) key: Vec<u8>,
}

impl StateKey {
	/// `key` of `child`'s trie (the main trie for `None`).
	pub(crate) fn new(child: Option<&ChildInfo>, key: Vec<u8>) -> Self {
		Self { trie: child.map(|child| child.storage_key().to_vec()), key }
	}

	/// A key of the main trie.
	pub(crate) fn main(key: Vec<u8>) -> Self {
		Self { trie: None, key }
	}

	/// The child trie it is in (`None` for the main trie).
	pub(crate) fn child_info(&self) -> Option<ChildInfo> {
		self.trie.as_deref().map(ChildInfo::new_default)
	}
}

impl std::fmt::Display for StateKey {
	fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
		let hex = |bytes: &[u8]| sp_core::hexdisplay::HexDisplay::from(&bytes).to_string();
		match &self.trie {
			None => write!(f, "0x{}", hex(&self.key)),
			Some(trie) => write!(f, "0x{} in child trie 0x{}", hex(&self.key), hex(trie)),
		}
	}
}

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
	/// A key of `changed` in this range, if any.
	pub(crate) fn first_met<'k>(&self, changed: &'k BTreeSet<StateKey>) -> Option<&'k StateKey> {
		let lower = StateKey { trie: self.trie.clone(), key: self.start.clone() };
		let upper = match &self.end {
			Some(end) => Bound::Included(StateKey { trie: self.trie.clone(), key: end.clone() }),
			None => Bound::Unbounded,
		};
		changed
			.range((Bound::Included(lower), upper))
			.take_while(|key| key.trie == self.trie)
			.find(|key| key.key.starts_with(&self.prefix))
	}
}
/// Everything read through a [`TrackingBackend`].
#[derive(Clone, Debug, Default)]
pub(crate) struct Reads {
	pub(crate) keys: BTreeSet<StateKey>,
	pub(crate) ranges: Vec<KeyRange>,
}

impl Reads {
	/// A key of `changed` that a read saw (or a range it iterated over), if any.
	pub(crate) fn first_met<'c>(&self, changed: &'c BTreeSet<StateKey>) -> Option<&'c StateKey> {
		first_common(&self.keys, changed)
			.or_else(|| self.ranges.iter().find_map(|range| range.first_met(changed)))
	}
}

/// The smallest element of `b` that `a` holds too. Looks up the smaller set's elements in the
/// larger one when it is much smaller, else walks both in order once.
fn first_common<'b, T: Ord>(a: &BTreeSet<T>, b: &'b BTreeSet<T>) -> Option<&'b T> {
	if b.len().saturating_mul(16) <= a.len() {
		return b.iter().find(|item| a.contains(*item))
	}
	if a.len().saturating_mul(16) <= b.len() {
		return a.iter().find_map(|item| b.get(item))
	}
	let (mut a, mut b) = (a.iter().peekable(), b.iter().peekable());
	while let (Some(x), Some(y)) = (a.peek(), b.peek()) {
		match x.cmp(y) {
			std::cmp::Ordering::Less => drop(a.next()),
			std::cmp::Ordering::Greater => drop(b.next()),
			std::cmp::Ordering::Equal => return b.next(),
		}
	}
	None
}

/// The keys (not hot) that the block's committed chunks and re-executions changed, with their
/// values now (`None`: removed): what a chunk of a later phase must see instead of the parent
/// state. Grows with the block; chunks share it by reference, never by copy.
#[derive(Debug, Default)]
pub(crate) struct Layer {
	main: LayerTrie,
	children: BTreeMap<Vec<u8>, LayerTrie>,
}

/// The entries of one trie of a [`Layer`].
type LayerTrie = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// A key and its new value (`None`: removed), as a root's delta takes it.
type Delta<'a> = (&'a [u8], Option<&'a [u8]>);

impl Layer {
	/// Record that `key` now holds `value`.
	pub(crate) fn set(&mut self, StateKey { trie, key }: StateKey, value: Option<Vec<u8>>) {
		match trie {
			None => self.main.insert(key, value),
			Some(trie) => self.children.entry(trie).or_default().insert(key, value),
		};
	}

	fn trie(&self, child: Option<&ChildInfo>) -> Option<&LayerTrie> {
		match child {
			None => Some(&self.main),
			Some(child) => self.children.get(child.storage_key()),
		}
	}

	/// `Some(value)` if the layer holds `key` (`value` is `None` if it was removed), `None` if
	/// the parent state answers.
	pub(crate) fn get(&self, child: Option<&ChildInfo>, key: &[u8]) -> Option<Option<&[u8]>> {
		self.trie(child)?.get(key).map(Option::as_deref)
	}

	/// `Some(value)` if the layer holds `key` (see [`Self::get`]).
	pub(crate) fn value(&self, StateKey { trie, key }: &StateKey) -> Option<Option<&[u8]>> {
		match trie {
			None => self.main.get(key),
			Some(trie) => self.children.get(trie)?.get(key),
		}
		.map(Option::as_deref)
	}

	/// The layer's entries of `child`'s trie (the main trie for `None`), as a root's delta.
	fn delta(&self, child: Option<&ChildInfo>) -> impl Iterator<Item = (&[u8], Option<&[u8]>)> {
		self.trie(child)
			.into_iter()
			.flatten()
			.map(|(key, value)| (&key[..], value.as_deref()))
	}
}

/// Wraps a backend, reads through a [`Layer`] over it, and records every key read. Reads the
/// overlay answers never reach a backend, so they are not recorded: the builder accounts for
/// them.
pub(crate) struct TrackingBackend<'a, B> {
	inner: &'a B,
	layer: &'a Layer,
	reads: Mutex<Reads>,
}

impl<'a, B> TrackingBackend<'a, B> {
	/// `inner` seen through `layer`.
	pub(crate) fn new(inner: &'a B, layer: &'a Layer) -> Self {
		Self { inner, layer, reads: Mutex::new(Reads::default()) }
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
			reads.keys.insert(StateKey::new(trie, key.to_vec()));
		})
	}

	fn range(&self, range: KeyRange) {
		self.log(|reads| reads.ranges.push(range))
	}
}

impl<'a, B> TrackingBackend<'a, B> {
	/// The first key after `key` in `child`'s trie (the main trie for `None`) of the parent
	/// state seen through the layer: the smaller of the parent's next key the layer did not
	/// remove and the layer's next key it did not remove.
	fn next_key<H: Hash>(
		&self,
		child: Option<&ChildInfo>,
		key: &[u8],
	) -> Result<Option<StorageKey>, B::Error>
	where
		B: Backend<H>,
	{
		let layer = self.layer.trie(child);
		let removed = |key: &[u8]| layer.is_some_and(|trie| matches!(trie.get(key), Some(None)));
		let mut from = key.to_vec();
		let parent = loop {
			let next = match child {
				None => self.inner.next_storage_key(&from)?,
				Some(child) => self.inner.next_child_storage_key(child, &from)?,
			};
			match next {
				Some(next) if removed(&next) => from = next,
				next => break next,
			}
		};
		let layered = layer.and_then(|trie| {
			trie.range::<[u8], _>((Bound::Excluded(key), Bound::Unbounded))
				.find(|(_, value)| value.is_some())
				.map(|(key, _)| key.clone())
		});
		Ok(match (parent, layered) {
			(Some(parent), Some(layered)) => Some(parent.min(layered)),
			(parent, layered) => parent.or(layered),
		})
	}
}

impl<B> core::fmt::Debug for TrackingBackend<'_, B> {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.write_str("TrackingBackend")
	}
}

/// Iterates the inner backend and the layer's entries of the same range together, in key order:
/// a key of the layer replaces the parent's, a key the layer removed is skipped. The range it
/// may cover was recorded when it was made.
pub(crate) struct TrackingIter<'a, B: Backend<H>, H: Hash> {
	inner: B::RawIter,
	/// The layer's entries in the iterated range, in key order, and the next one to take.
	layer: Vec<(StorageKey, Option<StorageValue>)>,
	next_layer: usize,
	/// The inner iterator's next key (and value, when iterating pairs), not yet taken.
	head: Option<(StorageKey, StorageValue)>,
	inner_done: bool,
	_marker: core::marker::PhantomData<(&'a (), H)>,
}

impl<'a, B: Backend<H> + 'a, H: Hash> TrackingIter<'a, B, H> {
	/// The next key and value of the merged iteration; `fetch` takes the inner iterator's next.
	fn advance(
		&mut self,
		mut fetch: impl FnMut(&mut B::RawIter) -> Option<Result<(StorageKey, StorageValue), B::Error>>,
	) -> Option<Result<(StorageKey, StorageValue), B::Error>> {
		loop {
			if self.head.is_none() && !self.inner_done {
				match fetch(&mut self.inner) {
					Some(Ok(pair)) => self.head = Some(pair),
					Some(Err(error)) => return Some(Err(error)),
					None => self.inner_done = true,
				}
			}
			let layered = self.layer.get(self.next_layer).map(|(key, _)| key);
			let parent_first = match (&self.head, layered) {
				(None, None) => return None,
				(Some(_), None) => true,
				(None, Some(_)) => false,
				(Some((parent, _)), Some(layered)) => parent < layered,
			};
			if parent_first {
				return self.head.take().map(Ok)
			}
			let (key, value) = std::mem::take(&mut self.layer[self.next_layer]);
			self.next_layer += 1;
			if self.head.as_ref().is_some_and(|(parent, _)| *parent == key) {
				self.head = None;
			}
			if let Some(value) = value {
				return Some(Ok((key, value)))
			}
		}
	}
}

impl<'a, B: Backend<H> + 'a, H: Hash> StorageIterator<H> for TrackingIter<'a, B, H> {
	type Backend = TrackingBackend<'a, B>;
	type Error = B::Error;

	fn next_key(&mut self, backend: &Self::Backend) -> Option<Result<StorageKey, Self::Error>> {
		let inner = backend.inner;
		self.advance(|iter| iter.next_key(inner).map(|key| key.map(|key| (key, Vec::new()))))
			.map(|pair| pair.map(|(key, _)| key))
	}

	fn next_pair(
		&mut self,
		backend: &Self::Backend,
	) -> Option<Result<(StorageKey, StorageValue), Self::Error>> {
		let inner = backend.inner;
		self.advance(|iter| iter.next_pair(inner))
	}

	fn was_complete(&self) -> bool {
		self.inner.was_complete() && self.next_layer == self.layer.len()
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
		match self.layer.get(None, key) {
			Some(value) => Ok(value.map(<[u8]>::to_vec)),
			None => self.inner.storage(key),
		}
	}

	fn storage_hash(&self, key: &[u8]) -> Result<Option<H::Out>, Self::Error> {
		self.read(None, key);
		match self.layer.get(None, key) {
			Some(value) => Ok(value.map(H::hash)),
			None => self.inner.storage_hash(key),
		}
	}

	fn closest_merkle_value(&self, key: &[u8]) -> Result<Option<MerkleValue<H::Out>>, Self::Error> {
		// Merkle values are the parent trie's (no runtime call asks for them; a client's proofs
		// do).
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
		match self.layer.get(Some(child_info), key) {
			Some(value) => Ok(value.map(<[u8]>::to_vec)),
			None => self.inner.child_storage(child_info, key),
		}
	}

	fn child_storage_hash(
		&self,
		child_info: &ChildInfo,
		key: &[u8],
	) -> Result<Option<H::Out>, Self::Error> {
		self.read(Some(child_info), key);
		match self.layer.get(Some(child_info), key) {
			Some(value) => Ok(value.map(H::hash)),
			None => self.inner.child_storage_hash(child_info, key),
		}
	}

	fn exists_storage(&self, key: &[u8]) -> Result<bool, Self::Error> {
		self.read(None, key);
		match self.layer.get(None, key) {
			Some(value) => Ok(value.is_some()),
			None => self.inner.exists_storage(key),
		}
	}

	fn exists_child_storage(
		&self,
		child_info: &ChildInfo,
		key: &[u8],
	) -> Result<bool, Self::Error> {
		self.read(Some(child_info), key);
		match self.layer.get(Some(child_info), key) {
			Some(value) => Ok(value.is_some()),
			None => self.inner.exists_child_storage(child_info, key),
		}
	}

	fn next_storage_key(&self, key: &[u8]) -> Result<Option<StorageKey>, Self::Error> {
		let next = self.next_key(None, key)?;
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
		let next = self.next_key(Some(child_info), key)?;
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
		self.inner
			.storage_root(layered(self.layer.delta(None), delta).into_iter(), state_version)
	}

	fn child_storage_root<'b>(
		&self,
		child_info: &ChildInfo,
		delta: impl Iterator<Item = (&'b [u8], Option<&'b [u8]>)>,
		state_version: StateVersion,
	) -> (H::Out, bool, BackendTransaction<H>) {
		let delta = layered(self.layer.delta(Some(child_info)), delta);
		self.inner.child_storage_root(child_info, delta.into_iter(), state_version)
	}

	fn full_storage_root<'b>(
		&self,
		delta: impl Iterator<Item = (&'b [u8], Option<&'b [u8]>)>,
		child_deltas: impl Iterator<
			Item = (&'b ChildInfo, impl Iterator<Item = (&'b [u8], Option<&'b [u8]>)>),
		>,
		state_version: StateVersion,
	) -> (H::Out, BackendTransaction<H>)
	where
		H::Out: Ord + codec::Encode,
	{
		// As the trait's own, over every child trie the delta or the layer changed.
		let mut children: Vec<(ChildInfo, Vec<Delta<'_>>)> =
			child_deltas.map(|(child, delta)| (child.clone(), delta.collect())).collect();
		for trie in self.layer.children.keys() {
			if !children.iter().any(|(child, _)| child.storage_key() == &trie[..]) {
				children.push((ChildInfo::new_default(trie), Vec::new()));
			}
		}
		let mut transaction = BackendTransaction::with_hasher(RandomState::default());
		let mut child_roots = Vec::with_capacity(children.len());
		for (child, delta) in &children {
			let (root, empty, child_transaction) =
				self.child_storage_root(child, delta.iter().copied(), state_version);
			transaction.consolidate(child_transaction);
			let root = (!empty).then(|| codec::Encode::encode(&root));
			child_roots.push((child.prefixed_storage_key().into_inner(), root));
		}
		let child_roots = child_roots.iter().map(|(key, root)| (&key[..], root.as_deref()));
		let delta = layered(delta, child_roots);
		let (root, parent_transaction) = self.storage_root(delta.into_iter(), state_version);
		transaction.consolidate(parent_transaction);
		(root, transaction)
	}

	fn raw_iter(&self, args: IterArgs) -> Result<Self::RawIter, Self::Error> {
		let prefix = args.prefix.unwrap_or_default().to_vec();
		let start = args.start_at.map(<[u8]>::to_vec).unwrap_or_else(|| prefix.clone());
		let lower = if args.start_at.is_some() && args.start_at_exclusive {
			Bound::Excluded(&start[..])
		} else {
			Bound::Included(&start[..])
		};
		let layer = self
			.layer
			.trie(args.child_info.as_ref())
			.into_iter()
			.flat_map(|trie| trie.range::<[u8], _>((lower, Bound::Unbounded)))
			.take_while(|(key, _)| key.starts_with(&prefix) || key[..] < prefix[..])
			.filter(|(key, _)| key.starts_with(&prefix))
			.map(|(key, value)| (key.clone(), value.clone()))
			.collect();
		self.range(KeyRange {
			trie: args.child_info.as_ref().map(|c| c.storage_key().to_vec()),
			prefix,
			start,
			end: None,
		});
		Ok(TrackingIter {
			inner: self.inner.raw_iter(args)?,
			layer,
			next_layer: 0,
			head: None,
			inner_done: false,
			_marker: Default::default(),
		})
	}

	fn register_overlay_stats(&self, stats: &sp_state_machine::StateMachineStats) {
		self.inner.register_overlay_stats(stats)
	}

	fn usage_info(&self) -> UsageInfo {
		self.inner.usage_info()
	}
}

/// `first`'s entries, then `then`'s (whose later entries win when a root is computed over them),
/// borrowed for the shorter of their lifetimes.
fn layered<'c, 'x: 'c, 'y: 'c>(
	first: impl Iterator<Item = (&'x [u8], Option<&'x [u8]>)>,
	then: impl Iterator<Item = (&'y [u8], Option<&'y [u8]>)>,
) -> Vec<(&'c [u8], Option<&'c [u8]>)> {
	let mut entries: Vec<(&'c [u8], Option<&'c [u8]>)> = Vec::new();
	for (key, value) in first {
		entries.push((key, value));
	}
	for (key, value) in then {
		entries.push((key, value));
	}
	entries
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_core::Blake2Hasher;
	use sp_state_machine::InMemoryBackend;

	fn changed(keys: &[&[u8]]) -> BTreeSet<StateKey> {
		keys.iter().map(|key| StateKey::main(key.to_vec())).collect()
	}

	#[test]
	fn a_range_meets_only_changed_keys_inside_it_with_its_prefix() {
		let range =
			KeyRange { trie: None, prefix: b"ab".to_vec(), start: b"abc".to_vec(), end: None };
		assert!(range.first_met(&changed(&[b"abd"])).is_some());
		assert!(range.first_met(&changed(&[b"abc"])).is_some());
		assert!(range.first_met(&changed(&[b"abb"])).is_none(), "before its start");
		assert!(range.first_met(&changed(&[b"ac"])).is_none(), "outside its prefix");
		let bounded = KeyRange { end: Some(b"abe".to_vec()), ..range.clone() };
		assert!(bounded.first_met(&changed(&[b"abe"])).is_some());
		assert!(bounded.first_met(&changed(&[b"abf"])).is_none(), "after its end");
		let child = StateKey { trie: Some(b"child".to_vec()), key: b"abd".to_vec() };
		assert!(range.first_met(&[child].into_iter().collect()).is_none(), "another trie");
	}

	#[test]
	fn reads_meet_a_changed_key_whatever_the_sizes_of_the_two_sets() {
		let numbered = |from: u32, to: u32| -> BTreeSet<StateKey> {
			(from..to).map(|n| StateKey::main(n.to_be_bytes().to_vec())).collect()
		};
		// Both sizes alike (walked together), one far smaller than the other (looked up), each
		// way round; with the one common key first, last, or not there.
		for (read, change) in [(0..100, 99..200), (0..1000, 999..1003), (997..1000, 0..998)] {
			let reads = Reads { keys: numbered(read.start, read.end), ranges: Vec::new() };
			let met = reads.first_met(&numbered(change.start, change.end)).cloned();
			let common = read.start.max(change.start);
			assert_eq!(met, Some(StateKey::main(common.to_be_bytes().to_vec())));
			let reads = Reads { keys: numbered(read.start, change.start), ranges: Vec::new() };
			assert_eq!(reads.first_met(&numbered(change.start, change.end)), None);
		}
		let reads = Reads { keys: BTreeSet::new(), ranges: Vec::new() };
		assert_eq!(reads.first_met(&numbered(0, 10)), None);
	}

	fn parent() -> InMemoryBackend<Blake2Hasher> {
		let pairs: Vec<(Vec<u8>, Option<Vec<u8>>)> = [b"a1", b"a2", b"a4", b"b1"]
			.iter()
			.map(|key| (key.to_vec(), Some(key.to_vec())))
			.collect();
		let mut backend = InMemoryBackend::<Blake2Hasher>::default();
		backend.insert(vec![(None, pairs)], StateVersion::V1);
		backend
	}

	fn layer() -> Layer {
		let mut layer = Layer::default();
		layer.set(StateKey::main(b"a2".to_vec()), None);
		layer.set(StateKey::main(b"a3".to_vec()), Some(b"new".to_vec()));
		layer.set(StateKey::main(b"a4".to_vec()), Some(b"changed".to_vec()));
		layer
	}

	#[test]
	fn reads_and_iteration_see_the_layer_over_the_parent() {
		let (parent, layer) = (parent(), layer());
		let backend = TrackingBackend::new(&parent, &layer);
		assert_eq!(backend.storage(b"a1").unwrap(), Some(b"a1".to_vec()));
		assert_eq!(backend.storage(b"a2").unwrap(), None);
		assert_eq!(backend.storage(b"a3").unwrap(), Some(b"new".to_vec()));
		assert!(!backend.exists_storage(b"a2").unwrap());
		assert_eq!(backend.next_storage_key(b"a1").unwrap(), Some(b"a3".to_vec()));
		assert_eq!(backend.next_storage_key(b"a3").unwrap(), Some(b"a4".to_vec()));
		let mut args = IterArgs::default();
		args.prefix = Some(b"a");
		let pairs: Vec<_> = backend.pairs(args).unwrap().map(Result::unwrap).collect();
		let expected: Vec<(Vec<u8>, Vec<u8>)> = vec![
			(b"a1".to_vec(), b"a1".to_vec()),
			(b"a3".to_vec(), b"new".to_vec()),
			(b"a4".to_vec(), b"changed".to_vec()),
		];
		assert_eq!(pairs, expected);
		let mut args = IterArgs::default();
		(args.start_at, args.start_at_exclusive) = (Some(&b"a3"[..]), true);
		let keys: Vec<_> = backend.keys(args).unwrap().map(Result::unwrap).collect();
		assert_eq!(keys, vec![b"a4".to_vec(), b"b1".to_vec()]);
		let reads = backend.into_reads();
		assert!(reads.keys.contains(&StateKey::main(b"a3".to_vec())), "layer hits are reads too");
		assert_eq!(reads.ranges.len(), 4);
	}

	#[test]
	fn the_root_over_the_layer_is_the_root_of_the_merged_state() {
		let (parent, layer) = (parent(), layer());
		let backend = TrackingBackend::new(&parent, &layer);
		let (layered, _) = backend.storage_root(std::iter::empty(), StateVersion::V1);
		let mut merged = InMemoryBackend::<Blake2Hasher>::default();
		let pairs = [(b"a1", &b"a1"[..]), (b"a3", b"new"), (b"a4", b"changed"), (b"b1", b"b1")]
			.iter()
			.map(|(key, value)| (key.to_vec(), Some(value.to_vec())))
			.collect();
		merged.insert(vec![(None, pairs)], StateVersion::V1);
		assert_eq!(layered, *merged.root());
	}
}
