//! Step 6: the merged state of the block. Kept chunks' writes (validated by `validate.rs`) and
//! re-executed chunks' writes are recorded in the layer the next phase reads; hot keys merge by
//! their rules once per run of kept chunks; a rejected chunk runs again on the merged state.

use crate::{
	admission::Candidate,
	base::capacity,
	execute::apply_bisecting,
	trace::{hex, Tracer},
	tracking::{Epoch, Layer, StateKey},
	BuildError, Outcome, RuntimeCalls, TraceKind,
};
use codec::Encode;
use pex_primitives::{hot_key_for, merge, BlockCapacity, HotKey, MergeRule};
use sp_core::storage::ChildInfo;
use sp_state_machine::{Backend, OverlayedChanges};
use std::{
	collections::{BTreeMap, BTreeSet},
	time::Instant,
};

/// A hot key written by kept chunks and not merged yet.
pub(crate) struct PendingHotKey {
	/// How its values merge.
	pub(crate) rule: MergeRule,
	/// The values the kept chunks left it at (`None`: removed), in block order.
	pub(crate) values: Vec<Option<Vec<u8>>>,
}

/// Step 5 and 6: validate chunks in block order and merge them into one overlay.
pub(crate) struct Commit<'a, H: sp_core::Hasher, S> {
	pub(crate) parent: &'a S,
	pub(crate) base: OverlayedChanges<H>,
	pub(crate) hot_keys: Vec<HotKey>,
	pub(crate) merged: OverlayedChanges<H>,
	/// Non-hot keys changed by the chunks committed and re-executed so far, with the epoch of
	/// their last change.
	pub(crate) written: BTreeMap<StateKey, Epoch>,
	/// Those keys' values in `merged`: what the chunks of the next phase read through.
	pub(crate) layer: Layer,
	/// The phase being committed: chunks of this epoch saw the writes of earlier epochs only.
	pub(crate) epoch: Epoch,
	/// The index the next extrinsic gets.
	pub(crate) next_index: u32,
	/// A re-executed chunk changed a key the base wrote: reads of such keys are answered by the
	/// overlay and never tracked, so no later parallel result can be trusted.
	pub(crate) poisoned: bool,
	/// Whether parallel results follow, so re-executed chunks' writes must be recorded.
	pub(crate) track: bool,
	/// Hot keys written by kept chunks and not merged yet: rule and values in block order.
	pub(crate) pending: BTreeMap<Vec<u8>, PendingHotKey>,
}

impl<'a, H, S> Commit<'a, H, S>
where
	H: sp_core::Hasher,
	H::Out: Ord + 'static + codec::Codec,
	S: Backend<H>,
{
	/// The commit of a block whose base is `base` (with `hot_keys`), its first extrinsic at
	/// `first_index`; `track` if parallel results follow.
	pub(crate) fn new(
		parent: &'a S,
		base: OverlayedChanges<H>,
		hot_keys: Vec<HotKey>,
		first_index: u32,
		track: bool,
	) -> Self {
		Self {
			parent,
			merged: base.clone(),
			base,
			hot_keys,
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
	pub(crate) fn base_value(
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
	pub(crate) fn capacity<R: RuntimeCalls>(
		&mut self,
		runtime: &R,
	) -> Result<BlockCapacity, BuildError> {
		self.flush()?;
		capacity(runtime, self.parent, &mut self.merged)
	}

	/// Merge the kept chunks' pending hot-key values into the merged state: per key, once,
	/// `merge(rule, base, [merged so far, chunk values in block order])`. Doing it once per
	/// run of kept chunks keeps merging linear in the block (`System::Events` grows with it).
	pub(crate) fn flush(&mut self) -> Result<(), BuildError> {
		for (key, PendingHotKey { rule, values }) in std::mem::take(&mut self.pending) {
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
	pub(crate) fn reexecute<R: RuntimeCalls, X: Encode>(
		&mut self,
		runtime: &R,
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
			.map(|(key, _)| StateKey::main(key.clone()))
			.collect();
		for (entries, info) in self.merged.children() {
			touched.extend(
				entries
					.filter(|(_, value)| tagged(value.extrinsics()))
					.map(|(key, _)| StateKey::new(Some(info), key.clone())),
			);
		}
		for state_key in touched {
			if state_key.trie.is_none() && hot_key_for(&self.hot_keys, &state_key.key).is_some() {
				continue
			}
			let child = state_key.child_info();
			let key = &state_key.key;
			let now = match &child {
				None => self.merged.storage(key),
				Some(child) => self.merged.child_storage(child, key),
			}
			.flatten()
			.map(<[u8]>::to_vec);
			let (in_base, base) = self.base_value(child.as_ref(), key)?;
			// Transient keys (written and removed in every extrinsic) end where they began; a
			// key an earlier phase changed must be seen back at its first value, though.
			if now == base && !self.written.contains_key(&state_key) {
				continue
			}
			if in_base && !self.poisoned {
				self.poisoned = true;
				tracer.record(TraceKind::Commit, position, None, || {
					format!("changed {state_key}, a key of the base: the rest of the block runs sequentially")
				});
			}
			tracer.record(TraceKind::Write, position, None, || hex(&state_key.key));
			self.written.insert(state_key.clone(), self.epoch);
			self.layer.set(state_key, now);
		}
		Ok(outcomes)
	}

	/// The block's state after its last extrinsic, hot keys merged.
	pub(crate) fn into_overlay(mut self) -> Result<OverlayedChanges<H>, BuildError> {
		self.flush()?;
		Ok(self.merged)
	}
}
