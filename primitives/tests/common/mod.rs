//! Generators the property tests share: access sets over small alphabets, so that equal keys
//! and prefix overlaps are common.

#![allow(dead_code, reason = "each test file uses a different subset")]
#![allow(unreachable_pub, reason = "a module shared by test crates")]

use pex_primitives::{AccessKey, AccessSet};
use proptest::{collection::vec, prelude::*};

/// An account of 12, or a storage key or prefix of up to 3 bytes from an alphabet of 3; accounts
/// `account_weight` times as likely as each of the other two kinds.
pub fn access_key(account_weight: u32) -> impl Strategy<Value = AccessKey> {
	let bytes = || vec(0u8..3, 0..4);
	prop_oneof![
		account_weight => (0u8..12).prop_map(|a| AccessKey::Account(vec![a])),
		1 => bytes().prop_map(AccessKey::Storage),
		1 => bytes().prop_map(AccessKey::StoragePrefix),
	]
}

/// The set of `keys`, each read or (`true`) written.
pub fn to_set(keys: &[(AccessKey, bool)]) -> AccessSet {
	keys.iter().fold(AccessSet::new(), |set, (key, is_write)| {
		if *is_write {
			set.write(key.clone())
		} else {
			set.read(key.clone())
		}
	})
}

/// Fewer than `max` transactions of up to 4 keys each (keys as [`access_key`] makes them).
pub fn sets(max: usize, account_weight: u32) -> impl Strategy<Value = Vec<AccessSet>> {
	vec(vec((access_key(account_weight), any::<bool>()), 0..5), 0..max)
		.prop_map(|raw| raw.iter().map(|keys| to_set(keys)).collect())
}
