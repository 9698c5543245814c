//! A test runtime with only frame-system and this pallet.
#![allow(
	unreachable_pub,
	reason = "the runtime macros generate pub items; this module is private to the tests"
)]

use crate as pallet_eth_chain_id;
use frame_support::derive_impl;
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system::Pallet<Test>;

	#[runtime::pallet_index(1)]
	pub type EthChainId = pallet_eth_chain_id::Pallet<Test>;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

impl pallet_eth_chain_id::Config for Test {}

/// Builds the test externalities from a genesis config.
#[derive(Default)]
pub struct ExtBuilder {
	genesis: pallet_eth_chain_id::GenesisConfig<Test>,
}

impl ExtBuilder {
	/// Genesis sets `chain_id`.
	pub fn chain_id(mut self, chain_id: u64) -> Self {
		self.genesis.chain_id = chain_id;
		self
	}

	/// The externalities, genesis built.
	pub fn build(self) -> sp_io::TestExternalities {
		let storage =
			RuntimeGenesisConfig { system: Default::default(), eth_chain_id: self.genesis }
				.build_storage()
				.expect("the test's genesis config is valid; qed");
		storage.into()
	}
}
