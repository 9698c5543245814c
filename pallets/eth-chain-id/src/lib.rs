//! # Ethereum chain id
//!
//! The [EIP-155](https://eips.ethereum.org/EIPS/eip-155) chain id of this chain, chosen in its
//! chain spec.
//!
//! ## Pallet API
//!
//! No calls. [`Pallet`] implements `Get<u64>`, which is what `pallet_revive::Config::ChainId`
//! takes; the genesis config's `chain_id` sets it (`{"ethChainId": {"chainId": 420420999}}` in a
//! chain spec or genesis preset).
//!
//! ## Overview
//!
//! Ethereum wallets sign the chain id into every transaction, and pallet-revive refuses a
//! transaction signed for another chain: the id is what keeps a transaction signed for one
//! chain from being replayed on another. Every chain needs its own, so it belongs in the chain
//! spec, not in the runtime's code: chains that share a runtime (a testnet and its mainnet, two
//! operators' chains) still differ in it.
//!
//! The id is fixed at genesis. There is no call to change it: wallets and indexers remember a
//! chain by its id, and transactions signed for the old id would stop applying. A chain that
//! must change it does so with a runtime upgrade carrying a migration.
//!
//! ## Invariant
//!
//! The stored id is never 0 (EIP-155 reserves no such chain, and pallet-revive's
//! `integrity_test` refuses it): genesis refuses `chain_id: 0`, and a chain whose genesis did
//! not set it (one started before this pallet) reads [`DEFAULT_CHAIN_ID`].

#![cfg_attr(not(feature = "std"), no_std)]

pub use pallet::*;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

/// The chain id of a chain whose genesis did not choose one: the id pex's development and local
/// testnet chains use. A public chain must choose its own (see chainlist.org for ids in use).
pub const DEFAULT_CHAIN_ID: u64 = 420_420_999;

#[frame_support::pallet]
pub mod pallet {
	use super::DEFAULT_CHAIN_ID;
	use frame_support::pallet_prelude::*;

	/// The pallet.
	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// The pallet's configuration: nothing beyond frame-system's.
	#[pallet::config]
	pub trait Config: frame_system::Config {}

	/// [`DEFAULT_CHAIN_ID`], what [`ChainId`] reads when genesis did not set it.
	#[pallet::type_value]
	pub fn DefaultChainId() -> u64 {
		DEFAULT_CHAIN_ID
	}

	/// The EIP-155 chain id; never 0.
	#[pallet::storage]
	pub type ChainId<T> = StorageValue<_, u64, ValueQuery, DefaultChainId>;

	/// The chain id a chain starts with.
	#[pallet::genesis_config]
	pub struct GenesisConfig<T: Config> {
		/// The EIP-155 chain id, not 0; omitted, [`DEFAULT_CHAIN_ID`].
		#[serde(default = "default_chain_id")]
		pub chain_id: u64,
		#[serde(skip)]
		#[doc(hidden)]
		pub _config: core::marker::PhantomData<T>,
	}

	impl<T: Config> Default for GenesisConfig<T> {
		fn default() -> Self {
			Self { chain_id: DEFAULT_CHAIN_ID, _config: Default::default() }
		}
	}

	fn default_chain_id() -> u64 {
		DEFAULT_CHAIN_ID
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			// Genesis is built when a chain spec is made or a node starts: a panic here is the
			// chain spec's error, reported before any block exists.
			assert!(
				self.chain_id != 0,
				"ethChainId.chainId is 0: EIP-155 chain ids start at 1; choose this chain's own"
			);
			ChainId::<T>::put(self.chain_id);
		}
	}

	impl<T: Config> Get<u64> for Pallet<T> {
		fn get() -> u64 {
			ChainId::<T>::get()
		}
	}
}
