//! # pex-workloads
//!
//! Deterministic workload generators: access sets shaped like real blocks, for the criterion
//! benchmark of the schedule step (`benches/schedule.rs`: `partition`, `ConflictDag::new` and
//! `plan`, `make bench-schedule`) and `pex-bench partition`'s demo of the plan. A crate of its own
//! so that the benchmark builds without the runtime and the node.
//!
//! Every generator is a pure function of its arguments (a seeded `StdRng`, no clock), so a
//! benchmark or a test sees the same transactions run after run.

use pex_primitives::{AccessKey, AccessSet};
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::ops::RangeInclusive;

/// A 32-byte key for index `n`, spread like a hashed storage key or an `AccountId32`.
/// Invariant: distinct `n` give distinct keys (the first 8 bytes are a bijection of `n`).
pub fn key_bytes(n: u64) -> Vec<u8> {
	// splitmix64: a bijection on u64, then three more rounds to fill the rest.
	let mix = |mut z: u64| {
		z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
		z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
		z ^ (z >> 31)
	};
	let mut state = n;
	let mut bytes = Vec::with_capacity(32);
	for _ in 0..4 {
		state = mix(state);
		bytes.extend_from_slice(&state.to_le_bytes());
		state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
	}
	bytes
}

/// `transactions` balance transfers between `accounts` accounts chosen uniformly: each writes
/// its sender and its receiver (distinct when there are at least two accounts). Fewer accounts,
/// more contention.
///
/// # Panics
///
/// If `accounts` is zero.
pub fn transfers(transactions: usize, accounts: u64, seed: u64) -> Vec<AccessSet> {
	assert!(accounts > 0, "a transfer needs at least one account");
	let mut rng = StdRng::seed_from_u64(seed);
	(0..transactions)
		.map(|_| {
			let from = rng.gen_range(0..accounts);
			let mut to = rng.gen_range(0..accounts);
			if to == from && accounts > 1 {
				to = (to + 1) % accounts;
			}
			AccessSet::new()
				.write(AccessKey::Account(key_bytes(from)))
				.write(AccessKey::Account(key_bytes(to)))
		})
		.collect()
}

/// The key of entry `n` of a storage map shaped like `frame_system::Account`: the 32 bytes every
/// key of the map shares (the pallet's and the item's `twox_128`), then a `blake2_128_concat` of
/// a 32-byte id (16 bytes of hash, the id): 80 bytes. Distinct `n` give distinct keys.
pub fn map_key(n: u64) -> Vec<u8> {
	/// `twox_128(b"System") ++ twox_128(b"Account")`.
	const PREFIX: [u8; 32] = [
		0x26, 0xaa, 0x39, 0x4e, 0xea, 0x56, 0x30, 0xe0, 0x7c, 0x48, 0xae, 0x0c, 0x95, 0x58, 0xce,
		0xf7, 0xb9, 0x9d, 0x88, 0x0e, 0xc6, 0x81, 0x79, 0x9c, 0x0c, 0xf3, 0x0e, 0x88, 0x86, 0x37,
		0x1d, 0xa9,
	];
	let id = key_bytes(n);
	let hash = key_bytes(!n);
	[&PREFIX[..], &hash[..16], &id[..]].concat()
}

/// `transactions` transactions over `key_space` distinct storage keys of one map ([`map_key`]),
/// each touching a number of keys drawn from `keys_per_transaction`: the first written, every other
/// one written or only read with equal chance. Shaped like contract calls; a smaller key space
/// means more contention.
///
/// # Panics
///
/// If `key_space` is zero.
pub fn storage_keys(
	transactions: usize,
	keys_per_transaction: RangeInclusive<usize>,
	key_space: u64,
	seed: u64,
) -> Vec<AccessSet> {
	assert!(key_space > 0, "transactions need at least one key to touch");
	let mut rng = StdRng::seed_from_u64(seed);
	(0..transactions)
		.map(|_| {
			let keys = rng.gen_range(keys_per_transaction.clone());
			(0..keys).fold(AccessSet::new(), |set, i| {
				let key = AccessKey::Storage(map_key(rng.gen_range(0..key_space)));
				if i == 0 || rng.gen_bool(0.5) {
					set.write(key)
				} else {
					set.read(key)
				}
			})
		})
		.collect()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_same_seed_gives_the_same_workload_and_another_seed_another() {
		assert_eq!(transfers(100, 50, 7), transfers(100, 50, 7));
		assert_ne!(transfers(100, 50, 7), transfers(100, 50, 8));
		assert_eq!(storage_keys(100, 2..=10, 500, 7), storage_keys(100, 2..=10, 500, 7));
	}

	#[test]
	fn storage_workloads_respect_the_key_count_range() {
		for set in storage_keys(1_000, 2..=10, u64::MAX, 1) {
			// Keys from a huge space never repeat within a set, so the count is exact.
			assert!((2..=10).contains(&set.len()), "{} keys", set.len());
			assert!(!set.writes.is_empty());
		}
	}

	#[test]
	fn a_transfer_writes_two_distinct_accounts() {
		for set in transfers(1_000, 2, 3) {
			assert_eq!(set.writes.len(), 2);
			assert!(set.reads.is_empty());
		}
	}

	#[test]
	fn distinct_indices_give_distinct_keys() {
		let keys: std::collections::BTreeSet<Vec<u8>> = (0..10_000).map(key_bytes).collect();
		assert_eq!(keys.len(), 10_000);
		assert!(keys.iter().all(|k| k.len() == 32));
	}
}
