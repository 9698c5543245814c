//! Genesis presets: `development`, `local_testnet`, and `benchmark-<n>`.

use crate::{AccountId, BalancesConfig, ReviveConfig, RuntimeGenesisConfig, SudoConfig, UNIT};
use alloc::{format, vec, vec::Vec};
use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_genesis_builder::{PresetId, DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};
use sp_keyring::Sr25519Keyring;

/// What every funded account starts with.
pub const ENDOWMENT: u128 = 1_000_000 * UNIT;
/// The prefix of the benchmark presets; `benchmark-1000` funds 1,000 accounts.
pub const BENCHMARK_PRESET_PREFIX: &str = "benchmark-";

/// The `n`th deterministic benchmark account: the 32 bytes of `n`, little-endian, zero-padded.
/// Deterministic and cheap, so the harness derives the same accounts without keys. (Such
/// accounts cannot sign: the harness uses them as transfer destinations.)
pub fn benchmark_account(n: u32) -> AccountId {
	let mut bytes = [0u8; 32];
	bytes[..4].copy_from_slice(&n.to_le_bytes());
	AccountId::new(bytes)
}

fn genesis(endowed: Vec<AccountId>, root: AccountId) -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed.iter().cloned().map(|account| (account, ENDOWMENT)).collect(),
		},
		sudo: SudoConfig { key: Some(root) },
		// Deployers through pallet-revive need an H160 mapping: the dev accounts have one.
		revive: ReviveConfig { mapped_accounts: endowed },
	})
}

/// The twelve well-known development accounts (Alice to Ferdie and their stashes), funded and
/// mapped; Alice is root.
fn development() -> Value {
	genesis(
		Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect(),
		Sr25519Keyring::Alice.to_account_id(),
	)
}

/// A local test network: only the six validator-style dev accounts (Alice to Ferdie, no stash
/// accounts) are funded and mapped; Alice is root.
fn local_testnet() -> Value {
	genesis(
		Sr25519Keyring::invulnerable().map(|k| k.to_account_id()).collect(),
		Sr25519Keyring::Alice.to_account_id(),
	)
}

/// `n` benchmark accounts plus the development accounts; Alice is root.
fn benchmark(n: u32) -> Value {
	let mut endowed: Vec<AccountId> =
		Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect();
	endowed.extend((0..n).map(benchmark_account));
	genesis(endowed, Sr25519Keyring::Alice.to_account_id())
}

/// The preset named `id`, as JSON.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let name: &str = id.as_ref();
	let patch = match name {
		DEV_RUNTIME_PRESET => development(),
		LOCAL_TESTNET_RUNTIME_PRESET => local_testnet(),
		_ => benchmark(name.strip_prefix(BENCHMARK_PRESET_PREFIX)?.parse().ok()?),
	};
	serde_json::to_vec(&patch).ok()
}

/// The presets this runtime offers (each `benchmark-<n>` works too; one is listed).
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(DEV_RUNTIME_PRESET),
		PresetId::from(LOCAL_TESTNET_RUNTIME_PRESET),
		PresetId::from(format!("{BENCHMARK_PRESET_PREFIX}1000").as_str()),
	]
}
