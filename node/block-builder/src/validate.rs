//! Step 5: a chunk's parallel run is kept only if it saw the state a sequential run would have
//! seen: nothing it read or changed was changed since its phase began (by an earlier chunk of the
//! phase, or a re-execution), it changed no key of the base (hot keys aside), it started at the
//! block index it was planned for, and its hot keys merge by their rules. Chunks are validated in
//! block order; a rejected one runs again on the merged state (`commit.rs`).

use crate::{
	commit::{Commit, PendingHotKey},
	execute::ChunkRun,
	trace::{hex, Tracer},
	tracking::StateKey,
	BuildError, Outcome, TraceKind,
};
use pex_primitives::{hot_key_for, merge};
use sp_core::storage::ChildInfo;
use sp_state_machine::{Backend, OverlayedChanges};

/// A key in a chunk's overlay and its final value there (`None`: removed).
struct Entry {
	child: Option<ChildInfo>,
	key: Vec<u8>,
	value: Option<Vec<u8>>,
}

impl Entry {
	fn state_key(&self) -> StateKey {
		StateKey::new(self.child.as_ref(), self.key.clone())
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
				changes.push((key, entry));
			}
		}
		for (key, entry) in changes {
			tracer.record(TraceKind::Write, position, None, || hex(&entry.key));
			self.written.insert(key.clone(), self.epoch);
			self.layer.set(key, entry.value.clone());
			match entry.child {
				None => self.merged.set_storage(entry.key, entry.value),
				Some(child) => self.merged.set_child_storage(&child, entry.key, entry.value),
			}
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
