//! Steps 5 and 6: chunks are validated in block order against what the block changed since their
//! phase began, kept ones merged (hot keys by their rules) and recorded in the layer the next
//! phase reads; rejected ones re-executed on the merged state.

use crate::{
	admission::Candidate,
	capacity,
	execute::{apply_bisecting, ChunkRun},
	trace::{hex, Tracer},
	tracking::{Epoch, Layer, StateKey},
	Base, BuildError, Outcome, TraceKind, WasmRuntime,
};
use codec::Encode;
use pex_primitives::{hot_key_for, merge, BlockCapacity, HotKey, MergeRule};
use sp_core::storage::ChildInfo;
use sp_state_machine::{Backend, OverlayedChanges};
use std::{
	collections::{BTreeMap, BTreeSet},
	time::Instant,
};

/// A key in a chunk's overlay and its final value there (`None`: removed).
struct Entry {
	child: Option<ChildInfo>,
	key: Vec<u8>,
	value: Option<Vec<u8>>,
}

impl Entry {
	fn state_key(&self) -> StateKey {
		(self.child.as_ref().map(|c| c.storage_key().to_vec()), self.key.clone())
	}
}

/// Why a chunk's parallel result was not kept (it runs again on the merged state).
#[derive(Debug)]
pub(crate) enum Rejection {
	/// Its runtime call failed (a trap, a failing read of the parent state): no result.
	NoResult,
	/// An earlier re-executed chunk changed a key the base wrote, which no parallel run can
	/// have seen.
	Poisoned,
	/// It did not start at its planned extrinsic index (an earlier extrinsic was left out).
	Moved,
	/// It read a key changed since its phase began.
	Read(StateKey),
	/// It changed a key of the base, or one changed since its phase began.
	Wrote(StateKey),
	/// Its value of a hot key does not merge by the key's rule.
	HotKey(Vec<u8>),
}

impl std::fmt::Display for Rejection {
	fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
		let key = |(trie, key): &StateKey| match trie {
			None => hex(key),
			Some(trie) => format!("{} in child trie {}", hex(key), hex(trie)),
		};
		match self {
			Rejection::NoResult => write!(f, "its runtime call failed (a trap, a failing read)"),
			Rejection::Poisoned => write!(f, "the block runs sequentially from here"),
			Rejection::Moved => write!(f, "an earlier extrinsic was left out"),
			Rejection::Read(k) =>
				write!(f, "read {}, which an earlier chunk of its phase changed", key(k)),
			Rejection::Wrote(k) => write!(
				f,
				"changed {}, a key of the base or of an earlier chunk of its phase",
				key(k)
			),
			Rejection::HotKey(k) => write!(f, "hot key {} does not merge", hex(k)),
		}
	}
}

/// Every key in `overlay`, main trie and child tries, with its final value.
fn entries<H: sp_core::Hasher>(overlay: &mut OverlayedChanges<H>) -> Vec<Entry> {
	let mut entries: Vec<Entry> = overlay
		.changes_mut()
		.map(|(key, value)| Entry { child: None, key: key.clone(), value: value.value().cloned() })
		.collect();
	for (changes, child) in overlay.children_mut() {
		entries.extend(changes.map(|(key, value)| Entry {
			child: Some(child.clone()),
			key: key.clone(),
			value: value.value().cloned(),
		}));
	}
	entries
}

/// A hot key's merge rule and the values kept chunks left it at, in block order.
type PendingHotKey = (MergeRule, Vec<Option<Vec<u8>>>);

/// Step 5 and 6: validate chunks in block order and merge them into one overlay.
pub(crate) struct Commit<'a, H: sp_core::Hasher, S> {
	parent: &'a S,
	pub(crate) base: OverlayedChanges<H>,
	hot_keys: Vec<HotKey>,
	merged: OverlayedChanges<H>,
	/// Non-hot keys changed by the chunks committed and re-executed so far, with the epoch of
	/// their last change.
	written: BTreeMap<StateKey, Epoch>,
	/// Those keys' values in `merged`: what the chunks of the next phase read through.
	pub(crate) layer: Layer,
	/// The phase being committed: chunks of this epoch saw the writes of earlier epochs only.
	epoch: Epoch,
	/// The index the next extrinsic gets.
	pub(crate) next_index: u32,
	/// A re-executed chunk changed a key the base wrote: reads of such keys are answered by the
	/// overlay and never tracked, so no later parallel result can be trusted.
	poisoned: bool,
	/// Whether parallel results follow, so re-executed chunks' writes must be recorded.
	pub(crate) track: bool,
	/// Hot keys written by kept chunks and not merged yet: rule and values in block order.
	pending: BTreeMap<Vec<u8>, PendingHotKey>,
}

impl<'a, H, S> Commit<'a, H, S>
where
	H: sp_core::Hasher,
	H::Out: Ord + 'static + codec::Codec,
	S: Backend<H>,
{
	pub(crate) fn new(parent: &'a S, base: Base<H>, first_index: u32, track: bool) -> Self {
		Self {
			parent,
			merged: base.overlay.clone(),
			base: base.overlay,
			hot_keys: base.hot_keys,
			written: BTreeMap::new(),
			layer: Layer::default(),
			epoch: 0,
			next_index: first_index,
			poisoned: false,
			track,
			pending: BTreeMap::new(),
		}
	}

	/// The value of `key` in the base state, and whether the base overlay holds it.
	fn base_value(
		&mut self,
		trie: Option<&ChildInfo>,
		key: &[u8],
	) -> Result<(bool, Option<Vec<u8>>), BuildError> {
		let in_overlay = match trie {
			None => self.base.storage(key).map(|v| v.map(<[u8]>::to_vec)),
			Some(child) => self.base.child_storage(child, key).map(|v| v.map(<[u8]>::to_vec)),
		};
		match in_overlay {
			Some(value) => Ok((true, value)),
			None => {
				let value = match trie {
					None => self.parent.storage(key),
					Some(child) => self.parent.child_storage(child, key),
				};
				let value = value.map_err(|error| BuildError::State(format!("{error:?}")))?;
				Ok((false, value))
			},
		}
	}

	/// Start the next phase: its chunks see what was committed so far. Returns the block index
	/// of its first extrinsic.
	pub(crate) fn begin_phase(&mut self) -> u32 {
		self.epoch += 1;
		self.next_index
	}

	/// What the rest of the block may still use, asked of the runtime on the merged state.
	pub(crate) fn capacity(&mut self, runtime: &WasmRuntime) -> Result<BlockCapacity, BuildError> {
		self.flush()?;
		capacity(runtime, self.parent, &mut self.merged)
	}

	/// Keep `run` if it is valid: merge it and return its outcomes. Otherwise it must run
	/// again, for the reason returned. Reading the parent state can fail the build.
	pub(crate) fn try_keep(
		&mut self,
		mut run: ChunkRun<H>,
		position: usize,
		tracer: &Tracer,
	) -> Result<Result<Vec<Outcome>, Rejection>, BuildError> {
		let Some(outcomes) = run.outcomes.take() else { return Ok(Err(Rejection::NoResult)) };
		let applied = Outcome::applied(&outcomes) as u32;
		if self.poisoned {
			return Ok(Err(Rejection::Poisoned))
		}
		if run.start != self.next_index {
			return Ok(Err(Rejection::Moved))
		}
		if let Some(key) = run.reads.first_met(&self.written, self.epoch) {
			return Ok(Err(Rejection::Read(key.clone())))
		}
		let mut changes = Vec::new();
		let mut hot = Vec::new();
		for entry in entries(&mut run.overlay) {
			if entry.child.is_none() {
				if let Some(rule) = hot_key_for(&self.hot_keys, &entry.key).map(|hot| hot.rule) {
					let (_, base) = self.base_value(None, &entry.key)?;
					// The chunk's own value must merge (e.g. `Append` only appended); the sum
					// over all chunks is taken once, when the merged state is next needed.
					if merge(rule, base.as_deref(), &[entry.value.as_deref()]).is_err() {
						return Ok(Err(Rejection::HotKey(entry.key)))
					}
					hot.push((entry.key, rule, entry.value));
					continue
				}
			}
			let (in_base, base) = self.base_value(entry.child.as_ref(), &entry.key)?;
			// The base's keys are in every chunk's overlay; unchanged, this chunk did not write
			// them. Changed, it did, and reads of them were overlay hits, never tracked.
			if in_base {
				if entry.value == base {
					continue
				}
				return Ok(Err(Rejection::Wrote(entry.state_key())))
			}
			let key = entry.state_key();
			// A key an earlier phase changed was read through the layer: its value now is the
			// layer's. One changed in this phase, the chunk cannot have seen.
			let now = match self.written.get(&key) {
				Some(epoch) if *epoch >= self.epoch => return Ok(Err(Rejection::Wrote(key))),
				Some(_) => self.layer.value(&key).map(|value| value.map(<[u8]>::to_vec)),
				None => Some(base),
			};
			if now.as_ref() != Some(&entry.value) {
				changes.push(entry);
			}
		}
		for entry in changes {
			tracer.record(TraceKind::Write, position, None, || hex(&entry.key));
			self.written.insert(entry.state_key(), self.epoch);
			self.layer.set(entry.state_key(), entry.value.clone());
			match entry.child {
				None => self.merged.set_storage(entry.key, entry.value),
				Some(child) => self.merged.set_child_storage(&child, entry.key, entry.value),
			}
		}
		for (key, rule, value) in hot {
			self.pending.entry(key).or_insert_with(|| (rule, Vec::new())).1.push(value);
		}
		self.next_index += applied;
		Ok(Ok(outcomes))
	}

	/// Merge the kept chunks' pending hot-key values into the merged state: per key, once,
	/// `merge(rule, base, [merged so far, chunk values in block order])`. Doing it once per
	/// run of kept chunks keeps merging linear in the block (`System::Events` grows with it).
	pub(crate) fn flush(&mut self) -> Result<(), BuildError> {
		for (key, (rule, values)) in std::mem::take(&mut self.pending) {
			let (_, base) = self.base_value(None, &key)?;
			let current = self
				.merged
				.storage(&key)
				.map_or_else(|| base.clone(), |v| v.map(<[u8]>::to_vec));
			let writes: Vec<Option<&[u8]>> = std::iter::once(current.as_deref())
				.chain(values.iter().map(Option::as_deref))
				.collect();
			let value = merge(rule, base.as_deref(), &writes)
				.map_err(|error| BuildError::HotKey { key: hex(&key), error })?;
			self.merged.set_storage(key, value);
		}
		Ok(())
	}

	/// Run `members` one after another on the merged state, and record what they changed. A run
	/// whose call fails is applied again in halves: only what fails alone is left out.
	pub(crate) fn reexecute<X: Encode>(
		&mut self,
		runtime: &WasmRuntime,
		members: &[&Candidate<X>],
		position: usize,
		tracer: &Tracer,
	) -> Result<Vec<Outcome>, BuildError> {
		self.flush()?;
		let first = self.next_index;
		tracer.record(TraceKind::Start, position, None, || format!("again at {first}"));
		self.merged.set_collect_extrinsics(self.track);
		let since = Instant::now();
		let extrinsics: Vec<&X> = members.iter().map(|member| &member.extrinsic).collect();
		let outcomes = apply_bisecting(runtime, self.parent, &mut self.merged, first, &extrinsics);
		tracer.record(TraceKind::Apply, position, Some(since), || {
			format!("extrinsics {first}..{}", first as usize + extrinsics.len())
		});
		self.merged.set_collect_extrinsics(false);
		self.next_index += Outcome::applied(&outcomes) as u32;
		if !self.track {
			return Ok(outcomes)
		}
		let last = self.next_index;
		let tagged = |extrinsics: BTreeSet<u32>| extrinsics.range(first..=last).next().is_some();
		let mut touched: Vec<StateKey> = self
			.merged
			.changes()
			.filter(|(_, value)| tagged(value.extrinsics()))
			.map(|(key, _)| (None, key.clone()))
			.collect();
		for (entries, info) in self.merged.children() {
			touched.extend(
				entries
					.filter(|(_, value)| tagged(value.extrinsics()))
					.map(|(key, _)| (Some(info.storage_key().to_vec()), key.clone())),
			);
		}
		for (trie, key) in touched {
			if trie.is_none() && hot_key_for(&self.hot_keys, &key).is_some() {
				continue
			}
			let child = trie.as_ref().map(|t| ChildInfo::new_default(t));
			let now = match &child {
				None => self.merged.storage(&key),
				Some(child) => self.merged.child_storage(child, &key),
			}
			.flatten()
			.map(<[u8]>::to_vec);
			let (in_base, base) = self.base_value(child.as_ref(), &key)?;
			let state_key = (trie, key);
			// Transient keys (written and removed in every extrinsic) end where they began; a
			// key an earlier phase changed must be seen back at its first value, though.
			if now == base && !self.written.contains_key(&state_key) {
				continue
			}
			let (trie, key) = state_key;
			if in_base && !self.poisoned {
				self.poisoned = true;
				tracer.record(TraceKind::Commit, position, None, || {
					format!(
						"changed {}, a key of the base: the rest of the block runs sequentially",
						hex(&key)
					)
				});
			}
			tracer.record(TraceKind::Write, position, None, || hex(&key));
			self.written.insert((trie.clone(), key.clone()), self.epoch);
			self.layer.set((trie, key), now);
		}
		Ok(outcomes)
	}

	pub(crate) fn into_overlay(mut self) -> Result<OverlayedChanges<H>, BuildError> {
		self.flush()?;
		Ok(self.merged)
	}
}
