//! Step 5: a chunk's parallel run is kept only if it saw the state a sequential run would have
//! seen: nothing it read or changed was changed since its phase began (by an earlier chunk of the
//! phase, or a re-execution), it changed no key of the base (hot keys aside), it started at the
//! block index it was planned for, and its hot keys merge by their rules. Chunks are validated in
//! block order; a rejected one runs again on the merged state (`commit.rs`). The part of the check
//! that needs only the base state ([`sort_out`]) runs on the chunk's lane, in parallel.

use crate::{
	commit::{BaseState, Commit, PendingHotKey},
	execute::ChunkRun,
	trace::{hex, Tracer},
	tracking::StateKey,
	BuildError, Outcome, TraceKind,
};
use pex_primitives::{hot_key_for, merge, HotKey, MergeRule};
use sp_core::storage::ChildInfo;
use sp_state_machine::{Backend, OverlayedChanges};

/// A key a chunk's run changed, sorted out against the base state on the chunk's own lane, so
/// that the commit's sequential part only compares it with what the block wrote since the base.
pub(crate) enum Written {
	/// A hot key (main trie) and the value the chunk left it at (`None`: removed); `merges` if
	/// that value merges by the key's rule over the base.
	Hot { key: Vec<u8>, rule: MergeRule, value: Option<Vec<u8>>, merges: bool },
	/// A key of the base overlay that the chunk changed: no parallel run may (reads of it were
	/// overlay hits, never tracked).
	Base(StateKey),
	/// Any other key: the chunk's final value and the parent state's (`None`: absent).
	Fresh { key: StateKey, value: Option<Vec<u8>>, parent: Option<Vec<u8>> },
}

/// A key of an overlay: its child trie (`None`: the main trie), the key, its value there (`None`:
/// removed).
type Change = (Option<ChildInfo>, Vec<u8>, Option<Vec<u8>>);

/// Every key the chunk's run left changed in `overlay` (a clone of the base overlay the run
/// wrote to), main trie and child tries, sorted out against `base`. Base keys the run left at
/// their base value are not in it: every chunk's overlay holds them. Reading the parent state
/// can fail the build.
pub(crate) fn sort_out<H, S>(
	overlay: &mut OverlayedChanges<H>,
	base: &BaseState<'_, S>,
	hot_keys: &[HotKey],
) -> Result<Vec<Written>, BuildError>
where
	H: sp_core::Hasher,
	H::Out: Ord + 'static + codec::Codec,
	S: Backend<H>,
{
	let mut entries: Vec<Change> = overlay
		.changes_mut()
		.map(|(key, value)| (None, key.clone(), value.value().cloned()))
		.collect();
	for (changes, child) in overlay.children_mut() {
		entries.extend(
			changes.map(|(key, value)| (Some(child.clone()), key.clone(), value.value().cloned())),
		);
	}
	let mut written = Vec::with_capacity(entries.len());
	for (child, key, value) in entries {
		if child.is_none() {
			if let Some(rule) = hot_key_for(hot_keys, &key).map(|hot| hot.rule) {
				let (_, base) = base.value(None, &key)?;
				// The chunk's own value must merge (e.g. `Append` only appended); the sum over
				// all chunks is taken once, when the merged state is next needed.
				let merges = merge(rule, base.as_deref(), &[value.as_deref()]).is_ok();
				written.push(Written::Hot { key, rule, value, merges });
				continue
			}
		}
		let (in_base, parent) = base.value(child.as_ref(), &key)?;
		// The base's keys are in every chunk's overlay; unchanged, this chunk did not write them.
		if in_base {
			if value != parent {
				written.push(Written::Base(StateKey::new(child.as_ref(), key)));
			}
			continue
		}
		written.push(Written::Fresh { key: StateKey::new(child.as_ref(), key), value, parent });
	}
	Ok(written)
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
		match self {
			Rejection::NoResult => write!(f, "its runtime call failed (a trap, a failing read)"),
			Rejection::Poisoned => write!(f, "the block runs sequentially from here"),
			Rejection::Moved => write!(f, "an earlier extrinsic was left out"),
			Rejection::Read(k) =>
				write!(f, "read {k}, which an earlier chunk of its phase changed"),
			Rejection::Wrote(k) =>
				write!(f, "changed {k}, a key of the base or of an earlier chunk of its phase"),
			Rejection::HotKey(k) => write!(f, "hot key {} does not merge", hex(k)),
		}
	}
}

impl<H, S> Commit<'_, H, S>
where
	H: sp_core::Hasher,
	H::Out: Ord + 'static + codec::Codec,
	S: Backend<H>,
{
	/// Keep `run` if it is valid: merge it and return its outcomes. Otherwise it must run
	/// again, for the reason returned. Reading the parent state can fail the build.
	pub(crate) fn try_keep(
		&mut self,
		mut run: ChunkRun,
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
		if let Some(key) = run.reads.first_met(&self.recent) {
			return Ok(Err(Rejection::Read(key.clone())))
		}
		let mut changes = Vec::new();
		let mut hot = Vec::new();
		for written in run.written? {
			let (key, value, parent) = match written {
				Written::Hot { key, merges: false, .. } => return Ok(Err(Rejection::HotKey(key))),
				Written::Hot { key, rule, value, merges: true } => {
					hot.push((key, rule, value));
					continue
				},
				Written::Base(key) => return Ok(Err(Rejection::Wrote(key))),
				Written::Fresh { key, value, parent } => (key, value, parent),
			};
			// A key an earlier phase changed was read through the layer: its value now is the
			// layer's. One changed in this phase, the chunk cannot have seen.
			if self.recent.contains(&key) {
				return Ok(Err(Rejection::Wrote(key)))
			}
			let now = match self.layer.value(&key) {
				Some(now) => now,
				None => parent.as_deref(),
			};
			if now != value.as_deref() {
				changes.push((key, value));
			}
		}
		for (key, value) in changes {
			tracer.record(TraceKind::Write, position, None, || hex(&key.key));
			match key.child_info() {
				None => self.merged.set_storage(key.key.clone(), value.clone()),
				Some(child) =>
					self.merged.set_child_storage(&child, key.key.clone(), value.clone()),
			}
			self.recent.insert(key.clone());
			self.layer.set(key, value);
		}
		for (key, rule, value) in hot {
			self.pending
				.entry(key)
				.or_insert_with(|| PendingHotKey { rule, values: Vec::new() })
				.values
				.push(value);
		}
		self.next_index += applied;
		Ok(Ok(outcomes))
	}
}
