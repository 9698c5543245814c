//! Hot keys and their merge rules: how the writes of parallel groups to one block-wide storage
//! item combine into the value a sequential run would have left.
//!
//! Every FRAME extrinsic writes a few block-wide items (events, event count, block weight, ...).
//! As ordinary keys they would make every pair of extrinsics conflict. The runtime declares them
//! as [`HotKey`]s instead, each with a [`MergeRule`], and the block builder merges the groups'
//! final values with [`merge`].
//!
//! Every rule sees the value the key had in the base state all groups forked from, and the final
//! value of every group that wrote it, in commit order. The rules are pure functions over SCALE
//! bytes; bytes that do not decode as the rule's type are an error, never a panic.
//!
//! Transient items (`:transaction_level:`, `System::ExtrinsicWeightReclaimed`, ...), written and
//! restored inside every extrinsic, need no rule of their own: a key whose final value equals
//! its base value is no write at all, for the block builder's validation as for every rule here
//! but [`MergeRule::Positional`].

use alloc::vec::Vec;
use codec::{Compact, Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;

/// How the final values of one key in several groups combine.
///
/// Invariant of each rule: for groups that each ran from the same base, the merged value equals
/// the value the key has after running the groups one after the other, in commit order, when
/// the item behaves as the rule assumes (see each variant).
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
)]
pub enum MergeRule {
	/// Each group sets the value from positions it knows up front (e.g. `:extrinsic_index` from
	/// its pre-assigned extrinsic index), whatever the value was: the last writer in commit
	/// order wins. Also right for keys only one group can write (e.g. `ExtrinsicData(i)`).
	Positional,
	/// A SCALE `Vec<T>` that groups only append to (e.g. `System::Events`): the merged vector is
	/// the base's items followed by every group's appended items, in commit order.
	Append,
	/// A little-endian `u32` accumulator (e.g. `System::EventCount`): base plus the sum of every
	/// group's delta. An absent value is 0.
	SumU32,
	/// A little-endian `u64` accumulator: base plus the sum of every group's delta. An absent
	/// value is 0.
	SumU64,
	/// A little-endian `u128` accumulator (e.g. `Balances::TotalIssuance`, which fees lower):
	/// base plus the signed sum of every group's delta. An absent value is 0.
	SumU128,
	/// A `PerDispatchClass<Weight>` (e.g. `System::BlockWeight`): base plus the signed sum of
	/// every group's delta, per dispatch class and per weight component. An absent value is 0.
	PerClassWeightSum,
	/// Not mergeable (e.g. `System::EventTopics`, which stores event indices): any group that
	/// changes the value makes the merge fail, and the builder must re-execute sequentially.
	Conflict,
}

/// Which storage keys a [`HotKey`] covers.
///
/// Invariant: `Exact` matches one key; `Prefix` matches every key starting with its bytes.
#[derive(
	Clone, PartialEq, Eq, PartialOrd, Ord, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo,
)]
pub enum KeyMatch {
	/// Exactly this storage key.
	Exact(Vec<u8>),
	/// Every storage key that starts with these bytes; each key is merged on its own.
	Prefix(Vec<u8>),
}

/// A block-wide storage item the runtime declares mergeable, and how.
#[derive(
	Clone, PartialEq, Eq, PartialOrd, Ord, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo,
)]
pub struct HotKey {
	/// The key, or the prefix of the keys, this entry covers.
	pub key: KeyMatch,
	/// How the groups' final values of a covered key combine.
	pub rule: MergeRule,
}

impl HotKey {
	/// Whether this entry covers the storage key `key`.
	pub fn matches(&self, key: &[u8]) -> bool {
		match &self.key {
			KeyMatch::Exact(exact) => exact.as_slice() == key,
			KeyMatch::Prefix(prefix) => key.starts_with(prefix),
		}
	}
}

/// The entry of `hot_keys` that governs storage key `key`: the most specific match, i.e. an exact
/// match if there is one, else the longest matching prefix; among equals, the first listed.
/// `None` if no entry covers the key: it is an ordinary key.
pub fn hot_key_for<'a>(hot_keys: &'a [HotKey], key: &[u8]) -> Option<&'a HotKey> {
	let specificity = |hot: &HotKey| match &hot.key {
		KeyMatch::Exact(_) => usize::MAX,
		KeyMatch::Prefix(prefix) => prefix.len(),
	};
	hot_keys
		.iter()
		.filter(|hot| hot.matches(key))
		.fold(None, |best: Option<&HotKey>, hot| match best {
			Some(best) if specificity(best) >= specificity(hot) => Some(best),
			_ => Some(hot),
		})
}

/// Which input value a [`MergeError`] is about.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ValueAt {
	/// The value in the base state.
	Base,
	/// The `n`th entry of the `writes` given to [`merge`].
	Write(u32),
}

/// Why the groups' values of a key could not be merged. The builder treats every one as a
/// conflict: it re-executes the groups involved sequentially.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
pub enum MergeError {
	/// The bytes are not a SCALE encoding of the rule's type, or have bytes left over.
	#[error("{at:?} does not decode as the merge rule's type")]
	Malformed {
		/// The offending value.
		at: ValueAt,
	},
	/// A group removed a key whose rule can only merge values.
	#[error("write {write} removed the key; the merge rule needs a value")]
	Removed {
		/// Position of the write in `writes`.
		write: u32,
	},
	/// Under [`MergeRule::Append`], a group's vector does not start with the base's items: the
	/// group did more than append.
	#[error("write {write} is not the base vector with items appended")]
	NotAnAppend {
		/// Position of the write in `writes`.
		write: u32,
	},
	/// The merged value does not fit the rule's type (it would overflow or go below zero).
	#[error("the merged value does not fit its type")]
	Overflow,
	/// Under [`MergeRule::Conflict`], a group changed the value.
	#[error("write {write} changed a key that cannot be merged")]
	Conflict {
		/// Position of the write in `writes`.
		write: u32,
	},
}

/// Merge the final values of one key.
///
/// `base` is the key's value in the base state (`None`: absent). `writes` holds the final value
/// of the key in every group that wrote it (`None`: the group removed it), in commit order, as
/// the groups' overlays have them; a group may have written a value equal to the base, and
/// every rule but [`MergeRule::Positional`] treats that as no change.
///
/// Returns the value the key must have after all groups (`None`: absent). If `writes` is empty
/// or changes nothing, that is `base` itself. Never panics, whatever the bytes.
pub fn merge(
	rule: MergeRule,
	base: Option<&[u8]>,
	writes: &[Option<&[u8]>],
) -> Result<Option<Vec<u8>>, MergeError> {
	let first_change = writes.iter().position(|write| *write != base);
	match rule {
		MergeRule::Positional => Ok(writes.last().copied().unwrap_or(base).map(<[u8]>::to_vec)),
		MergeRule::Conflict => match first_change {
			Some(write) => Err(MergeError::Conflict { write: write as u32 }),
			None => Ok(base.map(<[u8]>::to_vec)),
		},
		_ if first_change.is_none() => Ok(base.map(<[u8]>::to_vec)),
		MergeRule::Append => merge_append(base, writes).map(Some),
		MergeRule::SumU32 => sum_deltas::<u32>(base, writes).map(|sum| Some(sum.encode())),
		MergeRule::SumU64 => sum_deltas::<u64>(base, writes).map(|sum| Some(sum.encode())),
		MergeRule::SumU128 => sum_deltas::<u128>(base, writes).map(|sum| Some(sum.encode())),
		MergeRule::PerClassWeightSum => merge_weights(base, writes).map(Some),
	}
}

/// The writes with their positions, as error locations.
fn positioned<'a, 'b>(
	writes: &'b [Option<&'a [u8]>],
) -> impl Iterator<Item = (u32, Option<&'a [u8]>)> + 'b {
	(0u32..).zip(writes.iter().copied())
}

/// Decode all of `bytes` as a `T`, or say which value was malformed.
fn decode_all<T: Decode>(mut bytes: &[u8], at: ValueAt) -> Result<T, MergeError> {
	let value = T::decode(&mut bytes).map_err(|_| MergeError::Malformed { at })?;
	if bytes.is_empty() {
		Ok(value)
	} else {
		Err(MergeError::Malformed { at })
	}
}

/// Split a SCALE vector into its length and the bytes of its items.
fn split_vec(bytes: &[u8], at: ValueAt) -> Result<(u32, &[u8]), MergeError> {
	let mut items = bytes;
	let Compact(len) =
		Compact::<u32>::decode(&mut items).map_err(|_| MergeError::Malformed { at })?;
	Ok((len, items))
}

fn merge_append(base: Option<&[u8]>, writes: &[Option<&[u8]>]) -> Result<Vec<u8>, MergeError> {
	let (base_len, base_items) = match base {
		Some(bytes) => split_vec(bytes, ValueAt::Base)?,
		None => (0, &[][..]),
	};
	let mut len = base_len;
	let mut suffixes = Vec::with_capacity(writes.len());
	for (write, value) in positioned(writes) {
		let Some(bytes) = value else {
			if base.is_none() {
				continue;
			}
			return Err(MergeError::Removed { write });
		};
		let (write_len, items) = split_vec(bytes, ValueAt::Write(write))?;
		let suffix = items.strip_prefix(base_items).ok_or(MergeError::NotAnAppend { write })?;
		let appended = write_len.checked_sub(base_len).ok_or(MergeError::NotAnAppend { write })?;
		if appended == 0 && !suffix.is_empty() {
			return Err(MergeError::NotAnAppend { write });
		}
		len = len.checked_add(appended).ok_or(MergeError::Overflow)?;
		suffixes.push(suffix);
	}
	let mut merged = Compact(len).encode();
	merged.extend_from_slice(base_items);
	suffixes.iter().for_each(|suffix| merged.extend_from_slice(suffix));
	Ok(merged)
}

/// An unsigned integer type an accumulator rule sums.
trait Accumulator: Copy + Default + Decode + Encode + Into<u128> + TryFrom<u128> {}
impl Accumulator for u32 {}
impl Accumulator for u64 {}
impl Accumulator for u128 {}

/// An unsigned 256-bit number: wide enough to sum up to 2^128 values of up to `u128::MAX`, so
/// that no partial sum of gains or losses can overflow.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
struct U256 {
	// Field order matters: the derived `Ord` compares `high` first.
	high: u128,
	low: u128,
}

impl U256 {
	fn add(self, value: u128) -> Self {
		let (low, carry) = self.low.overflowing_add(value);
		U256 { high: self.high.wrapping_add(carry as u128), low }
	}

	/// `self - other`; requires `self >= other`.
	fn sub(self, other: U256) -> Self {
		let (low, borrow) = self.low.overflowing_sub(other.low);
		U256 { high: self.high.wrapping_sub(other.high).wrapping_sub(borrow as u128), low }
	}

	fn to_u128(self) -> Option<u128> {
		(self.high == 0).then_some(self.low)
	}
}

/// Base plus the signed deltas of several values from it, without overflow on the way: gains
/// and losses are summed apart, wide, and only the total must fit.
struct DeltaSum {
	base: u128,
	gained: U256,
	lost: U256,
}

impl DeltaSum {
	fn new(base: u128) -> Self {
		DeltaSum { base, gained: U256::default(), lost: U256::default() }
	}

	/// Add the delta from the base to `value`.
	fn add(&mut self, value: u128) {
		if value >= self.base {
			self.gained = self.gained.add(value - self.base);
		} else {
			self.lost = self.lost.add(self.base - value);
		}
	}

	/// Base plus gains minus losses, if that fits `T`.
	fn total<T: Accumulator>(&self) -> Result<T, MergeError> {
		let total = if self.gained >= self.lost {
			self.gained.sub(self.lost).to_u128().and_then(|net| self.base.checked_add(net))
		} else {
			self.lost.sub(self.gained).to_u128().and_then(|net| self.base.checked_sub(net))
		};
		total.and_then(|total| T::try_from(total).ok()).ok_or(MergeError::Overflow)
	}
}

/// Decode every write (`None` for a write that removed an absent key), failing on the first
/// malformed or removing one, before any arithmetic: the error does not depend on the values.
fn decode_writes<T: Decode>(
	base: Option<&[u8]>,
	writes: &[Option<&[u8]>],
) -> Result<Vec<Option<T>>, MergeError> {
	positioned(writes)
		.map(|(write, value)| match value {
			Some(bytes) => decode_all::<T>(bytes, ValueAt::Write(write)).map(Some),
			None if base.is_none() => Ok(None),
			None => Err(MergeError::Removed { write }),
		})
		.collect()
}

fn sum_deltas<T: Accumulator>(
	base: Option<&[u8]>,
	writes: &[Option<&[u8]>],
) -> Result<T, MergeError> {
	let base_value = base.map(|b| decode_all::<T>(b, ValueAt::Base)).transpose()?;
	let values = decode_writes::<T>(base, writes)?;
	let mut sum = DeltaSum::new(base_value.unwrap_or_default().into());
	values.into_iter().flatten().for_each(|value| sum.add(value.into()));
	sum.total()
}

/// The SCALE layout of `PerDispatchClass<Weight>`: for the classes normal, operational and
/// mandatory in that order, a weight as `(Compact<u64> ref_time, Compact<u64> proof_size)`.
type ClassWeights = [(Compact<u64>, Compact<u64>); 3];

fn merge_weights(base: Option<&[u8]>, writes: &[Option<&[u8]>]) -> Result<Vec<u8>, MergeError> {
	let components = |weights: ClassWeights| weights.map(|(r, p)| [r.0, p.0]).concat();
	let base_value = match base {
		Some(bytes) => components(decode_all::<ClassWeights>(bytes, ValueAt::Base)?),
		None => [0u64; 6].to_vec(),
	};
	let mut sums: Vec<DeltaSum> = base_value.into_iter().map(|v| DeltaSum::new(v.into())).collect();
	for weights in decode_writes::<ClassWeights>(base, writes)?.into_iter().flatten() {
		sums.iter_mut()
			.zip(components(weights))
			.for_each(|(sum, value)| sum.add(value.into()));
	}
	let mut merged = Vec::new();
	for sum in &sums {
		Compact(sum.total::<u64>()?).encode_to(&mut merged);
	}
	Ok(merged)
}

#[cfg(test)]
mod tests {
	use super::*;
	use alloc::vec;

	fn hot(key: KeyMatch, rule: MergeRule) -> HotKey {
		HotKey { key, rule }
	}

	#[test]
	fn the_most_specific_hot_key_governs_a_storage_key() {
		let hot_keys = vec![
			hot(KeyMatch::Prefix(b"sys".to_vec()), MergeRule::Conflict),
			hot(KeyMatch::Prefix(b"sys:ev".to_vec()), MergeRule::Append),
			hot(KeyMatch::Exact(b"sys:evcount".to_vec()), MergeRule::SumU32),
			hot(KeyMatch::Prefix(b"sys:ev".to_vec()), MergeRule::Positional),
		];
		let rule = |key: &[u8]| hot_key_for(&hot_keys, key).map(|h| h.rule);
		assert_eq!(rule(b"sys:evcount"), Some(MergeRule::SumU32));
		// The longest prefix wins; of two equal ones, the first listed.
		assert_eq!(rule(b"sys:events"), Some(MergeRule::Append));
		assert_eq!(rule(b"sys:weight"), Some(MergeRule::Conflict));
		assert_eq!(rule(b"balances"), None);
		// An exact key matches itself only, not longer keys.
		assert_eq!(rule(b"sys:evcount2"), Some(MergeRule::Append));
	}

	#[test]
	fn a_prefix_matches_itself_and_the_keys_under_it() {
		let entry = hot(KeyMatch::Prefix(b"ab".to_vec()), MergeRule::Positional);
		assert!(entry.matches(b"ab"));
		assert!(entry.matches(b"abc"));
		assert!(!entry.matches(b"a"));
		assert!(!entry.matches(b"ba"));
	}
}
