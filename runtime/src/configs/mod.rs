//! The configuration of every pallet of the runtime.

mod governance;

use crate::{
	AccountId, Balance, Balances, Block, BlockNumber, Hash, Nonce, PalletInfo, Runtime,
	RuntimeCall, RuntimeEvent, RuntimeFreezeReason, RuntimeHoldReason, RuntimeOrigin, RuntimeTask,
	Timestamp, EXISTENTIAL_DEPOSIT, MILLI_UNIT, VERSION,
};
use frame_support::{
	derive_impl,
	dispatch::DispatchClass,
	parameter_types,
	traits::{ConstBool, ConstU128, ConstU32, ConstU64, ConstU8, VariantCountOf},
	weights::{
		constants::{RocksDbWeight, WEIGHT_REF_TIME_PER_MILLIS},
		IdentityFee, Weight,
	},
};
use frame_system::{
	limits::{BlockLength, BlockWeights},
	EnsureSigned,
};
use pallet_transaction_payment::{ConstFeeMultiplier, FungibleAdapter, Multiplier};
use sp_runtime::{traits::One, FixedU128, Perbill};
use sp_version::RuntimeVersion;

/// Normal (non-operational) extrinsics may fill this much of a block.
const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);
/// The time between two blocks, in milliseconds.
pub const MILLISECS_PER_BLOCK: u64 = 6_000;

parameter_types! {
	pub const BlockHashCount: BlockNumber = 2_400;
	pub const Version: RuntimeVersion = VERSION;
	/// Compute time of a block in milliseconds, 2,000 unless set. A storage parameter (raw key
	/// `twox_128(":BlockComputeMillis:")`): governance raises it with
	/// `Parameters::set_block_compute_millis` (Root or the `parameters` track) when
	/// the chain's block builders and importers can execute more in a slot (the benchmark chains
	/// of pex-bench do, to hold 20,000 transfers). Read through [`block_compute_millis`], which
	/// keeps it within [`BLOCK_COMPUTE_MILLIS_RANGE`].
	pub storage BlockComputeMillis: u64 = 2_000;
	/// [`block_compute_millis`] of compute per block, no proof-size limit (a solo chain).
	pub RuntimeBlockWeights: BlockWeights = BlockWeights::with_sensible_defaults(
		Weight::from_parts(
			block_compute_millis().saturating_mul(WEIGHT_REF_TIME_PER_MILLIS),
			u64::MAX,
		),
		NORMAL_DISPATCH_RATIO,
	);
	/// 5 MiB per block, of which normal extrinsics may fill [`NORMAL_DISPATCH_RATIO`].
	pub RuntimeBlockLength: BlockLength = BlockLength::builder()
		.max_length(5 * 1024 * 1024)
		.modify_max_length_for_class(DispatchClass::Normal, |max| *max = NORMAL_DISPATCH_RATIO * *max)
		.build();
	pub const SS58Prefix: u8 = 42;
}

/// The values [`BlockComputeMillis`] may take: from 100 ms, below which the block's base work
/// and one extrinsic may not fit (`BlockWeights` would not validate and every block would
/// panic), to one minute.
pub const BLOCK_COMPUTE_MILLIS_RANGE: core::ops::RangeInclusive<u64> = 100..=60_000;

/// [`BlockComputeMillis`], clamped to [`BLOCK_COMPUTE_MILLIS_RANGE`]: a value out of range set by
/// governance cannot stop the chain.
pub fn block_compute_millis() -> u64 {
	BlockComputeMillis::get()
		.clamp(*BLOCK_COMPUTE_MILLIS_RANGE.start(), *BLOCK_COMPUTE_MILLIS_RANGE.end())
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	type DbWeight = RocksDbWeight;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
}

impl pallet_timestamp::Config for Runtime {
	type Moment = u64;
	/// Aura checks that the timestamp falls into the slot of the block's pre-runtime digest.
	type OnTimestampSet = crate::Aura;
	type MinimumPeriod = ConstU64<{ MILLISECS_PER_BLOCK / 2 }>;
	type WeightInfo = ();
}

/// The most authorities Aura and GRANDPA accept.
pub const MAX_AUTHORITIES: u32 = 32;

impl pallet_aura::Config for Runtime {
	type AuthorityId = sp_consensus_aura::sr25519::AuthorityId;
	type DisabledValidators = ();
	type MaxAuthorities = ConstU32<MAX_AUTHORITIES>;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	/// Twice the timestamp's minimum period: [`MILLISECS_PER_BLOCK`].
	type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<MAX_AUTHORITIES>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<0>;
	/// No staking, so no equivocation reports: a fixed authority set.
	type KeyOwnerProof = sp_core::Void;
	type EquivocationReportSystem = ();
}

impl pallet_balances::Config for Runtime {
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ();
	type ReserveIdentifier = [u8; 8];
	type Balance = Balance;
	type RuntimeEvent = RuntimeEvent;
	type DustRemoval = ();
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = frame_system::Pallet<Runtime>;
	type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type DoneSlashHandler = ();
}

parameter_types! {
	/// A constant fee multiplier: `NextFeeMultiplier` never changes, so nothing fee-related is
	/// written per block or per extrinsic beyond the burn.
	pub FeeMultiplier: Multiplier = Multiplier::one();
}

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	/// Fees are burned: the `()` handler drops the credit, lowering total issuance.
	type OnChargeTransaction = FungibleAdapter<Balances, ()>;
	type OperationalFeeMultiplier = ConstU8<5>;
	/// One unit of fee per picosecond of `ref_time` (what `IdentityFee` charged before
	/// pallet-revive's Ethereum fees needed this type), or the block's share of `proof_size`
	/// priced alike, whichever is more; with no proof-size limit (a solo chain) that share is
	/// negligible, so the fee is the `ref_time`.
	type WeightToFee = pallet_revive::evm::fees::BlockRatioFee<1, 1, Runtime, Balance>;
	type LengthToFee = IdentityFee<Balance>;
	type FeeMultiplierUpdate = ConstFeeMultiplier<FeeMultiplier>;
	type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

/// The storage deposit of `items` storage items of `bytes` bytes in all.
pub const fn deposit(items: u32, bytes: u32) -> Balance {
	items as Balance * 20 * MILLI_UNIT + (bytes as Balance) * 100 * crate::MICRO_UNIT
}

parameter_types! {
	pub const DepositPerItem: Balance = deposit(1, 0);
	pub const DepositPerChildTrieItem: Balance = deposit(1, 0) / 100;
	pub const DepositPerByte: Balance = deposit(0, 1);
	pub const CodeHashLockupDepositPercent: Perbill = Perbill::from_percent(30);
	pub const MaxEthExtrinsicWeight: FixedU128 = FixedU128::from_rational(9, 10);
}

/// pallet-revive as a chain with Ethereum wallets runs it: Ethereum transactions
/// (`Revive::eth_transact`) are charged through pallet-transaction-payment like any extrinsic
/// ([`pallet_revive::evm::fees::Info`]), the chain id comes from the chain spec
/// ([`crate::EthChainId`]) and `COINBASE` is the Aura author.
///
/// Gas: the gas price is `NextFeeMultiplier` (constant 1) x `NativeToEthRatio` x `GasScale` =
/// 10^9 wei (1 gwei), and a transaction's gas is its fee (weight fee + length fee + storage
/// deposit) divided by that price, rounded up; what the rounding adds is burned (`OnBurn`).
impl pallet_revive::Config for Runtime {
	type Time = Timestamp;
	type Balance = Balance;
	type Currency = Balances;
	type OnBurn = ();
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type RuntimeOrigin = RuntimeOrigin;
	type RuntimeHoldReason = RuntimeHoldReason;
	type WeightInfo = pallet_revive::weights::SubstrateWeight<Runtime>;
	type Precompiles = ();
	type FindAuthor = AuraAccountAuthor;
	type DepositPerByte = DepositPerByte;
	type DepositPerItem = DepositPerItem;
	type DepositPerChildTrieItem = DepositPerChildTrieItem;
	type CodeHashLockupDepositPercent = CodeHashLockupDepositPercent;
	type AddressMapper = pallet_revive::AccountId32Mapper<Self>;
	type AllowEVMBytecode = ConstBool<true>;
	type UploadOrigin = EnsureSigned<AccountId>;
	type InstantiateOrigin = EnsureSigned<AccountId>;
	/// What a solo chain's node gives the runtime and what pallet-revive's `integrity_test`
	/// checks its limits against (its defaults; no relay-chain PVF is involved here).
	type RuntimeMemory = ConstU32<{ 128 * 1024 * 1024 }>;
	type PVFMemory = ConstU32<{ 512 * 1024 * 1024 }>;
	type ChainId = crate::EthChainId;
	/// 12 native decimals against 18 for ETH.
	type NativeToEthRatio = ConstU32<1_000_000>;
	type FeeInfo =
		pallet_revive::evm::fees::Info<crate::Address, crate::Signature, crate::EthExtraImpl>;
	/// Storage deposits in the native token, held on the payer's account.
	type Deposit = ();
	type MaxEthExtrinsicWeight = MaxEthExtrinsicWeight;
	type DebugEnabled = ConstBool<false>;
	/// Accounts map themselves (`Revive::map_account`); the development presets map the dev
	/// accounts at genesis.
	type AutoMap = ConstBool<false>;
	/// A gas price of 1 gwei (see above), as on Asset Hub.
	type GasScale = ConstU32<1_000>;
}

impl pallet_eth_chain_id::Config for Runtime {}

impl crate::governance_periods::Config for Runtime {}

impl crate::origins::Config for Runtime {}

/// Root, or a referendum on the `parameters` track: who may set chain parameters and limits.
type RootOrParameters = frame_support::traits::EitherOf<
	frame_system::EnsureRoot<AccountId>,
	crate::origins::EnsureParameters,
>;

impl crate::parameters::Config for Runtime {
	type AdminOrigin = RootOrParameters;
}

/// The account of the block's Aura author: Aura's pre-runtime digest names the slot, the slot
/// the authority, and an authority's sr25519 key is its account (`AccountId32` of the public
/// key), as for the dev accounts. `None` when the digest has no Aura slot.
pub struct AuraAccountAuthor;

impl frame_support::traits::FindAuthor<AccountId> for AuraAccountAuthor {
	fn find_author<'a, I>(digests: I) -> Option<AccountId>
	where
		I: 'a + IntoIterator<Item = (sp_runtime::ConsensusEngineId, &'a [u8])>,
	{
		let index = <crate::Aura as frame_support::traits::FindAuthor<u32>>::find_author(digests)?;
		let authority = pallet_aura::Authorities::<Runtime>::get().get(index as usize)?.clone();
		Some(AccountId::from(sp_core::sr25519::Public::from(authority)))
	}
}

parameter_types! {
	/// What one contract's deployment may use in pallet-revive: 50 ms, so a full batch of 16
	/// (0.8 s) fits a block's normal share (1.5 s).
	pub const MaxDeployWeight: Weight =
		Weight::from_parts(50 * WEIGHT_REF_TIME_PER_MILLIS, 4 * 1024 * 1024);
}

impl pallet_batch_deploy::Config for Runtime {
	type Deployer = crate::ReviveDeployer;
	type MaxContracts = ConstU32<16>;
	/// EIP-3860's limit on EVM init code, which pallet-revive enforces. (PolkaVM blobs may be
	/// larger in revive; raising this needs PolkaVM benchmark code too.)
	type MaxCodeLen = ConstU32<{ 48 * 1024 }>;
	type MaxNameLen = ConstU32<64>;
	type MaxDependencies = ConstU32<8>;
	type MaxInputLen = ConstU32<{ 16 * 1024 }>;
	/// As much as `MaxContracts` contracts of `MaxCodeLen` hold: the constant limits nothing
	/// the others do not; governance may lower it on its own (`set_limits`).
	type MaxBatchCodeLen = ConstU32<{ 16 * 48 * 1024 }>;
	type MaxDeployWeight = MaxDeployWeight;
	type LimitsOrigin = RootOrParameters;
	type WeightInfo = pallet_batch_deploy::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = crate::deployer::BatchDeployBenchmarks;
}
