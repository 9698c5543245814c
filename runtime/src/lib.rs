//! # pex runtime
//!
//! The FRAME runtime of a pex chain: balances, transaction fees, sudo governance, Aura block
//! production and GRANDPA finality, pallet-revive as the contract engine (EVM and PolkaVM code),
//! and `pallet-batch-deploy`, which deploys whole contract suites through pallet-revive. It
//! implements `pex_primitives::ParallelExecutionApi`, so the parallel block builder knows what
//! every extrinsic touches and how block-wide items merge.
//!
//! Built to WASM by substrate-wasm-builder (`wasm32v1-none`); with `std` it also runs natively,
//! for tests. The blob: `target/<profile>/wbuild/pex-runtime/pex_runtime.wasm`
//! (or [`WASM_BINARY`]).
//!
//! ## Fees and parallel execution
//!
//! Transaction fees are burned (`FungibleAdapter<Balances, ()>` drops the fee credit), so a fee
//! lowers `Balances::TotalIssuance`, a summed hot key, and never writes a block author's or
//! treasury's account: one account credited by every extrinsic would make every two extrinsics
//! conflict. The fee multiplier is constant, so `TransactionPayment::NextFeeMultiplier` is not
//! written per extrinsic either.
//!
//! ## Ethereum transactions
//!
//! Ethereum wallets (MetaMask, Foundry) sign transactions for the chain id of the chain spec
//! (`ethChainId.chainId`, pallet `EthChainId`); a node hands them in as the bare extrinsic
//! `Revive::eth_transact(payload)` (pallet-revive-eth-rpc does this for wallets). The runtime
//! recovers the signer, whose account is the H160 followed by twelve `0xEE` bytes (or the
//! Substrate account mapped to it), checks nonce and chain id, and applies the call with the
//! same transaction extensions as a signed extrinsic ([`EthExtraImpl`]). The signer pays the
//! extrinsic's fee as a Substrate signer would (weight fee + length fee, burned), plus storage
//! deposits; its receipt's `gas_used x effective_gas_price` is that amount in wei (one native
//! planck is 10^6 wei), rounded up to whole gas. Such a transaction names no account until it is
//! checked, so the parallel builder runs it alone (it claims all of storage).
//!
//! ## Consensus
//!
//! Aura authors one block per slot of [`configs::MILLISECS_PER_BLOCK`] (the timestamp
//! inherent must fall into the slot named by the block's Aura pre-runtime digest), GRANDPA
//! finalizes. Both authority sets come from the genesis preset; an authority's session keys are
//! [`opaque::SessionKeys`] (an sr25519 Aura key and an ed25519 GRANDPA key). Neither pallet
//! writes storage inside an extrinsic, so neither adds conflicts between extrinsics.
//!
//! ## Upgrades
//!
//! Through governance: a referendum on the Root track (pallet-referenda, conviction voting)
//! whose call is `system.authorize_upgrade(code_hash)`; once the scheduler enacts it, anyone
//! submits `system.apply_authorized_upgrade(blob)`. The tracks' periods are production ones
//! (days, the `local_testnet` preset) unless genesis chose development ones
//! (`governancePeriods.periods`, a few blocks: the `development` preset). Sudo is still root in
//! both presets:
//! `sudo(sudo_unchecked_weight(system.set_code(blob)))` replaces the runtime (frame-system's
//! benchmarked weight of `set_code`, 164 s, exceeds any block, so sudo must name a weight). Raise
//! [`VERSION`]'s `spec_version` with every release that changes behaviour, and
//! `transaction_version` when the encoding of calls or transaction extensions changes.

#![cfg_attr(not(feature = "std"), no_std)]
#![recursion_limit = "256"]
#![allow(
	missing_docs,
	reason = "FRAME's runtime, runtime-API and parameter macros generate undocumented public items"
)]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

/// This runtime built once more with the feature `increment-spec-version`: the "next release"
/// that upgrade tests install with `set_code`. It differs from [`WASM_BINARY`] only in
/// `spec_version` (one higher) and in one more hot key (see [`parallel::hot_keys`]), so a test
/// can tell which runtime a block ran.
#[cfg(feature = "std")]
pub mod next_release {
	include!(concat!(env!("OUT_DIR"), "/wasm_binary_next_release.rs"));
}

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
#[macro_use]
mod benchmarks;
pub mod apis;
pub mod configs;
mod deployer;
pub mod genesis_config_presets;
pub mod governance_periods;
pub mod origins;
pub mod parallel;
pub mod parameters;

use alloc::{borrow::Cow, vec::Vec};
use sp_runtime::{
	generic,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiAddress, MultiSignature,
};
use sp_version::RuntimeVersion;

pub use deployer::{padded_empty_contract, ReviveDeployer};

/// The runtime's version. `spec_version` 100 was the first release; 101 bumps a deployer's nonce
/// once per `batch_deploy`, not once more per contract; 102 gives pallet-revive its production
/// configuration (Ethereum transactions pay fees, the chain id comes from the chain spec through
/// the new `EthChainId` pallet, `COINBASE` is the Aura author); 103 adds governance (referenda
/// on a Root track, conviction voting, preimages, the scheduler; periods chosen by genesis); 104
/// gives batch limits a limit on a batch's code (`max_batch_code_len`, storage version 1 of
/// pallet-batch-deploy, migrated by [`Migrations`]; `set_limits` takes it, hence
/// `transaction_version` 2).
#[cfg(not(feature = "increment-spec-version"))]
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: Cow::Borrowed("pex"),
	impl_name: Cow::Borrowed("pex"),
	authoring_version: 1,
	spec_version: 104,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 2,
	system_version: 1,
};

/// The runtime's version in the upgrade tests' next release (feature `increment-spec-version`):
/// the same as the release's, with `spec_version` one higher.
#[cfg(feature = "increment-spec-version")]
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: Cow::Borrowed("pex"),
	impl_name: Cow::Borrowed("pex"),
	authoring_version: 1,
	spec_version: 105,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 2,
	system_version: 1,
};

/// One unit of the native token: 12 decimals.
pub const UNIT: Balance = 1_000_000_000_000;
/// A thousandth of a unit.
pub const MILLI_UNIT: Balance = UNIT / 1_000;
/// A millionth of a unit.
pub const MICRO_UNIT: Balance = UNIT / 1_000_000;
/// The least balance an account must hold to exist.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;

/// A transaction signature.
pub type Signature = MultiSignature;
/// An account: the public key behind a signature.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// A balance.
pub type Balance = u128;
/// A transaction's index among its sender's transactions.
pub type Nonce = u32;
/// A hash.
pub type Hash = sp_core::H256;
/// A block number.
pub type BlockNumber = u32;
/// How a transaction names an account.
pub type Address = MultiAddress<AccountId, ()>;
/// A block header.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// A block.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// The checks and payments every transaction goes through.
pub type TxExtension = (
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	frame_system::WeightReclaim<Runtime>,
	pallet_revive::evm::tx_extension::SetOrigin<Runtime>,
);

/// The extensions an Ethereum transaction (`Revive::eth_transact`) is checked with once
/// pallet-revive has recovered its signer: the same as a signed extrinsic's, immortal, with the
/// Ethereum nonce and tip.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct EthExtraImpl;

impl pallet_revive::evm::runtime::EthExtra for EthExtraImpl {
	type Config = Runtime;
	type ExtensionV0 = TxExtension;
	type ExtensionOtherVersions = sp_runtime::traits::InvalidVersion;

	fn get_eth_extension(nonce: Nonce, tip: Balance) -> TxExtension {
		let mut extension = tx_extension(nonce, tip);
		extension.9 = pallet_revive::evm::tx_extension::SetOrigin::new_from_eth_transaction();
		extension
	}
}

/// The extensions of an immortal signed transaction with `nonce` and `tip`: what wallets and the
/// benchmark harness sign.
pub fn tx_extension(nonce: Nonce, tip: Balance) -> TxExtension {
	(
		frame_system::CheckNonZeroSender::<Runtime>::new(),
		frame_system::CheckSpecVersion::<Runtime>::new(),
		frame_system::CheckTxVersion::<Runtime>::new(),
		frame_system::CheckGenesis::<Runtime>::new(),
		frame_system::CheckEra::<Runtime>::from(generic::Era::Immortal),
		frame_system::CheckNonce::<Runtime>::from(nonce),
		frame_system::CheckWeight::<Runtime>::new(),
		pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(tip),
		frame_system::WeightReclaim::<Runtime>::new(),
		pallet_revive::evm::tx_extension::SetOrigin::<Runtime>::default(),
	)
}

/// An extrinsic as it comes over the wire: a Substrate extrinsic, or an Ethereum transaction
/// wrapped in `Revive::eth_transact`, which pallet-revive checks. The encoding is the one of
/// `generic::UncheckedExtrinsic` (field `.0`).
pub type UncheckedExtrinsic =
	pallet_revive::evm::runtime::UncheckedExtrinsic<Address, Signature, EthExtraImpl>;
/// The payload a transaction's signature covers.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;
/// The storage migrations this release runs on an upgrade, oldest first. Each runs once: only
/// while its pallet's on-chain storage version is the one it migrates from.
pub type Migrations = (pallet_batch_deploy::migrations::v1::MigrateV0ToV1<Runtime>,);

/// Runs blocks: dispatches extrinsics to the pallets, and [`Migrations`] on an upgrade.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

/// Types the node needs without knowing the runtime's calls.
pub mod opaque {
	use super::*;
	use sp_runtime::OpaqueExtrinsic;

	/// A block whose extrinsics are opaque bytes.
	pub type Block = generic::Block<Header, OpaqueExtrinsic>;
	/// A block's id.
	pub type BlockId = generic::BlockId<Block>;

	sp_runtime::impl_opaque_keys! {
		/// The keys a block-producing authority holds: Aura's (sr25519) to author blocks,
		/// GRANDPA's (ed25519) to vote on finality.
		pub struct SessionKeys {
			/// Signs the blocks this authority authors.
			pub aura: Aura,
			/// Signs this authority's GRANDPA votes.
			pub grandpa: Grandpa,
		}
	}
}

#[frame_support::runtime]
mod runtime {
	/// The runtime.
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
	pub struct Runtime;

	/// Accounts, blocks, events.
	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	/// The time of each block.
	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;

	/// The native token.
	#[runtime::pallet_index(2)]
	pub type Balances = pallet_balances;

	/// Transaction fees (burned).
	#[runtime::pallet_index(3)]
	pub type TransactionPayment = pallet_transaction_payment;

	/// A root key for development chains (the `development` preset's Alice); no key elsewhere.
	#[runtime::pallet_index(4)]
	pub type Sudo = pallet_sudo;

	/// The contract engine: EVM and PolkaVM contracts.
	#[runtime::pallet_index(5)]
	pub type Revive = pallet_revive;

	/// Deploys contract suites in one extrinsic.
	#[runtime::pallet_index(6)]
	pub type BatchDeploy = pallet_batch_deploy;

	/// Block production: one author per slot, in turn.
	#[runtime::pallet_index(7)]
	pub type Aura = pallet_aura;

	/// Finality.
	#[runtime::pallet_index(8)]
	pub type Grandpa = pallet_grandpa;

	/// The EIP-155 chain id Ethereum transactions are signed for, from the chain spec.
	#[runtime::pallet_index(9)]
	pub type EthChainId = pallet_eth_chain_id;

	/// Calls (and code) by hash, for referenda.
	#[runtime::pallet_index(10)]
	pub type Preimage = pallet_preimage;

	/// Enacts what referenda approved, when they say.
	#[runtime::pallet_index(11)]
	pub type Scheduler = pallet_scheduler;

	/// Referenda on tracks (OpenGov).
	#[runtime::pallet_index(12)]
	pub type Referenda = pallet_referenda;

	/// Votes with conviction (longer locks, more weight).
	#[runtime::pallet_index(13)]
	pub type ConvictionVoting = pallet_conviction_voting;

	/// The referendum periods genesis chose (production or development).
	#[runtime::pallet_index(14)]
	pub type GovernancePeriods = crate::governance_periods;

	/// The origins of the tracks other than Root.
	#[runtime::pallet_index(15)]
	pub type Origins = crate::origins;

	/// Chain parameters governance sets on the `parameters` track.
	#[runtime::pallet_index(16)]
	pub type Parameters = crate::parameters;

	/// A few experts who whitelist fixes for the `whitelisted_caller` track.
	#[runtime::pallet_index(17)]
	pub type TechnicalCommittee = pallet_collective<Instance1>;

	/// Calls the technical committee whitelisted, dispatched as Root by a referendum on the
	/// `whitelisted_caller` track.
	#[runtime::pallet_index(18)]
	pub type Whitelist = pallet_whitelist;
}
