//! Genesis presets: `development` (authority: Alice) and `local_testnet` (authorities: Alice, Bob
//! and Charlie).

use crate::{
	governance_periods::GovernancePeriods, AccountId, AuraConfig, BalancesConfig, EthChainIdConfig,
	GovernancePeriodsConfig, GrandpaConfig, ReviveConfig, RuntimeGenesisConfig, SudoConfig,
	TechnicalCommitteeConfig, UNIT,
};
use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{PresetId, DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// The EIP-155 chain id of the presets' chains (Ethereum wallets sign it into every
/// transaction). A public chain's spec sets its own: `ethChainId.chainId`.
pub const DEV_ETH_CHAIN_ID: u64 = pallet_eth_chain_id::DEFAULT_CHAIN_ID;
/// What every funded account starts with.
pub const ENDOWMENT: u128 = 1_000_000 * UNIT;
/// The development authorities of the presets, by name: `//Alice`, `//Bob` and `//Charlie`
/// (what `--alice`, `--bob` and `--charlie` put in a node's keystore).
pub const AUTHORITIES: [(Sr25519Keyring, Ed25519Keyring); 3] = [
	(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
	(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
	(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
];

/// The session keys of the first `count` of [`AUTHORITIES`]: the sr25519 key for Aura and the
/// ed25519 key for GRANDPA.
pub fn authority_keys(count: usize) -> Vec<(AuraId, GrandpaId)> {
	AUTHORITIES[..count.min(AUTHORITIES.len())]
		.iter()
		.map(|(aura, grandpa)| (aura.public().into(), grandpa.public().into()))
		.collect()
}

/// The technical committee of both presets: Alice, Bob and Charlie (a motion passes with two).
pub fn technical_committee() -> Vec<AccountId> {
	[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie]
		.iter()
		.map(|k| k.to_account_id())
		.collect()
}

fn genesis(
	endowed: Vec<AccountId>,
	root: Option<AccountId>,
	authorities: usize,
	periods: GovernancePeriods,
) -> Value {
	let keys = authority_keys(authorities);
	build_struct_json_patch!(RuntimeGenesisConfig {
		aura: AuraConfig { authorities: keys.iter().map(|(aura, _)| aura.clone()).collect() },
		grandpa: GrandpaConfig {
			authorities: keys.iter().map(|(_, grandpa)| (grandpa.clone(), 1)).collect(),
		},
		balances: BalancesConfig {
			balances: endowed.iter().cloned().map(|account| (account, ENDOWMENT)).collect(),
		},
		sudo: SudoConfig { key: root },
		// Deployers through pallet-revive need an H160 mapping: the dev accounts have one.
		revive: ReviveConfig { mapped_accounts: endowed },
		eth_chain_id: EthChainIdConfig { chain_id: DEV_ETH_CHAIN_ID },
		governance_periods: GovernancePeriodsConfig { periods },
		technical_committee: TechnicalCommitteeConfig {
			members: technical_committee(),
			phantom: Default::default(),
		},
	})
}

/// The twelve well-known development accounts (Alice to Ferdie and their stashes), funded and
/// mapped; Alice holds the sudo key and is the only authority; referenda decided within a few
/// blocks.
fn development() -> Value {
	genesis(
		Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect(),
		Some(Sr25519Keyring::Alice.to_account_id()),
		1,
		GovernancePeriods::Development,
	)
}

/// A local test network: only the six validator-style dev accounts (Alice to Ferdie, no stash
/// accounts) are funded and mapped; Alice, Bob and Charlie are authorities; referenda take
/// production periods (days). No sudo key: as on a production chain, governance is the only
/// root.
fn local_testnet() -> Value {
	genesis(
		Sr25519Keyring::invulnerable().map(|k| k.to_account_id()).collect(),
		None,
		3,
		GovernancePeriods::Production,
	)
}

/// The preset named `id`, as JSON.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let name: &str = id.as_ref();
	let patch = match name {
		DEV_RUNTIME_PRESET => development(),
		LOCAL_TESTNET_RUNTIME_PRESET => local_testnet(),
		_ => return None,
	};
	serde_json::to_vec(&patch).ok()
}

/// The presets this runtime offers.
pub fn preset_names() -> Vec<PresetId> {
	vec![PresetId::from(DEV_RUNTIME_PRESET), PresetId::from(LOCAL_TESTNET_RUNTIME_PRESET)]
}
