//! Step 6: the merged state of the block. Kept chunks' writes (validated by `validate.rs`) and
//! re-executed chunks' writes are recorded in the layer the next phase reads; hot keys merge by
//! their rules once per run of kept chunks; a rejected chunk runs again on the merged state.

use crate::{
	admission::Candidate,
	base::capacity,
	execute::apply_bisecting,
	trace::{hex, Tracer},
	tracking::{Layer, StateKey},
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

/// The state every chunk forks from, readable from every lane at once: the base overlay's
/// values (initialization and the inherents) over the parent state.
///
/// Invariant: `overlay` holds exactly the keys the base overlay holds, with their values there;
/// the base overlay does not change after the commit begins.
pub(crate) struct BaseState<'a, S> {
	parent: &'a S,
	overlay: Layer,
}

impl<'a, S> BaseState<'a, S> {
	/// The base state of the block whose base overlay is `base` over `parent`.
	pub(crate) fn new<H>(parent: &'a S, base: &mut OverlayedChanges<H>) -> Self
	where
		H: sp_core::Hasher,
		H::Out: Ord + 'static + codec::Codec,
	{
		let mut overlay = Layer::default();
		for (key, value) in base.changes_mut() {
			overlay.set(StateKey::main(key.clone()), value.value().cloned());
		}
		for (changes, child) in base.children_mut() {
			for (key, value) in changes {
				overlay.set(StateKey::new(Some(child), key.clone()), value.value().cloned());
			}
		}
		Self { parent, overlay }
	}

	/// The value of `key` of `trie` (the main trie for `None`) in the base state, and whether
	/// the base overlay holds it. Reading the parent state can fail the build; a failing read is
	/// never taken for an absent key.
	pub(crate) fn value<H>(
		&self,
		trie: Option<&ChildInfo>,
		key: &[u8],
	) -> Result<(bool, Option<Vec<u8>>), BuildError>
	where
		H: sp_core::Hasher,
		S: Backend<H>,
	{
		if let Some(value) = self.overlay.get(trie, key) {
			return Ok((true, value.map(<[u8]>::to_vec)))
		}
		let value = match trie {
			None => self.parent.storage(key),
			Some(child) => self.parent.child_storage(child, key),
		};
		let value = value.map_err(|error| BuildError::State(format!("{error:?}")))?;
		Ok((false, value))
	}
}

/// Step 5 and 6: validate chunks in block order and merge them into one overlay.
pub(crate) struct Commit<'a, H: sp_core::Hasher, S> {
	pub(crate) parent: &'a S,
	/// The overlay every chunk's run starts from (a clone of it).
	pub(crate) base: OverlayedChanges<H>,
	/// The same state, readable from the lanes.
	pub(crate) base_state: BaseState<'a, S>,
	pub(crate) hot_keys: Vec<HotKey>,
	pub(crate) merged: OverlayedChanges<H>,
	/// The values now of the non-hot keys the chunks committed and re-executed so far changed:
	/// what the chunks of the next phase read through.
	pub(crate) layer: Layer,
	/// Those of them changed since the phase being committed began: its chunks cannot have seen
	/// them.
	pub(crate) recent: BTreeSet<StateKey>,
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
		mut base: OverlayedChanges<H>,
		hot_keys: Vec<HotKey>,
		first_index: u32,
		track: bool,
	) -> Self {
		Self {
			parent,
			merged: base.clone(),
			base_state: BaseState::new(parent, &mut base),
			base,
			hot_keys,
			layer: Layer::default(),
			recent: BTreeSet::new(),
			next_index: first_index,
			poisoned: false,
			track,
			pending: BTreeMap::new(),
		}
	}

	/// Start the next phase: its chunks see what was committed so far. Returns the block index
	/// of its first extrinsic.
	pub(crate) fn begin_phase(&mut self) -> u32 {
		self.recent.clear();
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
			let (_, base) = self.base_state.value(None, &key)?;
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
			let (in_base, base) = self.base_state.value(child.as_ref(), key)?;
			// Transient keys (written and removed in every extrinsic) end where they began; a
			// key an earlier phase changed must be seen back at its first value, though.
			if now == base && self.layer.value(&state_key).is_none() {
				continue
			}
			if in_base && !self.poisoned {
				self.poisoned = true;
				tracer.record(TraceKind::Commit, position, None, || {
					format!("changed {state_key}, a key of the base: the rest of the block runs sequentially")
				});
			}
			tracer.record(TraceKind::Write, position, None, || hex(&state_key.key));
			self.recent.insert(state_key.clone());
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
