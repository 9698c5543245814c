//! The chain id: what genesis sets, what a chain without it reads, what genesis refuses.

use crate::{mock::*, ChainId, DEFAULT_CHAIN_ID};
use frame_support::traits::Get;
use sp_runtime::BuildStorage;

#[test]
fn genesis_sets_the_chain_id_the_pallet_reports() {
	ExtBuilder::default().chain_id(1_287).build().execute_with(|| {
		assert_eq!(<EthChainId as Get<u64>>::get(), 1_287);
		assert_eq!(ChainId::<Test>::get(), 1_287);
	});
}

#[test]
fn a_genesis_config_without_a_chain_id_gives_the_default() {
	ExtBuilder::default().build().execute_with(|| {
		assert_eq!(<EthChainId as Get<u64>>::get(), DEFAULT_CHAIN_ID);
	});
	// The same from JSON, as a chain spec or preset that leaves the field out writes it.
	let config: crate::GenesisConfig<Test> =
		serde_json::from_str("{}").expect("an empty object is a genesis config");
	assert_eq!(config.chain_id, DEFAULT_CHAIN_ID);
}

#[test]
fn a_chain_whose_genesis_did_not_run_the_pallet_reads_the_default() {
	// A chain started before the pallet was added: nothing stored.
	sp_io::TestExternalities::default().execute_with(|| {
		assert!(!ChainId::<Test>::exists());
		assert_eq!(<EthChainId as Get<u64>>::get(), DEFAULT_CHAIN_ID);
	});
}

#[test]
fn the_genesis_config_reads_the_chain_id_from_camel_case_json() {
	let config: crate::GenesisConfig<Test> =
		serde_json::from_str(r#"{"chainId": 31337}"#).expect("a chain spec's genesis config");
	assert_eq!(config.chain_id, 31_337);
	assert!(
		serde_json::from_str::<crate::GenesisConfig<Test>>(r#"{"chain_id": 1}"#).is_err(),
		"unknown fields are refused, so a misspelt id is not silently the default"
	);
}

#[test]
#[should_panic(expected = "ethChainId.chainId is 0")]
fn genesis_refuses_chain_id_zero() {
	let _ = RuntimeGenesisConfig {
		system: Default::default(),
		eth_chain_id: crate::GenesisConfig { chain_id: 0, _config: Default::default() },
	}
	.build_storage();
}
