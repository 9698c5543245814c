//! A test runtime with a simple but honest contract engine.
#![allow(
	unreachable_pub,
	reason = "the runtime macros generate pub items; this module is private to the tests"
)]

use crate::{self as pallet_batch_deploy, BatchLimits, DeployedContract, Deployer, Salt};
use codec::Encode;
use frame_support::{
	derive_impl, parameter_types, storage::unhashed, traits::Hooks, weights::Weight,
};
use sp_core::{H160, H256};
use sp_io::hashing::blake2_256;
use sp_runtime::{BuildStorage, DispatchError};

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
	pub type BatchDeploy = pallet_batch_deploy::Pallet<Test>;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

/// Code starting with these bytes makes the mock's constructor revert.
pub const FAILING_CODE: &[u8] = b"FAIL";
/// Weight the mock uses per byte of code.
pub const WEIGHT_PER_CODE_BYTE: u64 = 1_000;

parameter_types! {
	pub const MaxContracts: u32 = 20;
	pub const MaxCodeLen: u32 = 1_024;
	pub const MaxNameLen: u32 = 16;
	pub const MaxDependencies: u32 = 4;
	pub const MaxInputLen: u32 = 256;
	/// Below `MaxContracts x MaxCodeLen`, so a batch can exceed it with contracts that do not.
	pub const MaxBatchCodeLen: u32 = 4_096;
	pub static MaxDeployWeight: Weight = Weight::from_parts(2_000_000, 0);
	/// When set, the mock deploys one address off from what it predicted.
	pub static Mispredict: bool = false;
}

/// A contract engine in storage: code by hash, contracts by address. Addresses are a hash of
/// deployer, salt, code hash and input (the shape of CREATE2). Constructors "run" by storing
/// the input; code starting with [`FAILING_CODE`] reverts after the engine already wrote, so a
/// caller that does not roll back leaves traces.
pub struct MockDeployer;

impl MockDeployer {
	fn code_key(code_hash: &H256) -> Vec<u8> {
		[b"mock:code:".as_slice(), code_hash.as_bytes()].concat()
	}

	fn contract_key(address: &H160) -> Vec<u8> {
		[b"mock:contract:".as_slice(), address.as_bytes()].concat()
	}

	/// The hash the mock stores `code` under.
	pub fn code_hash(code: &[u8]) -> H256 {
		H256(blake2_256(code))
	}

	/// The code stored under `code_hash`, if any.
	pub fn code(code_hash: &H256) -> Option<Vec<u8>> {
		unhashed::get(&Self::code_key(code_hash))
	}

	/// The contract at `address`: its code hash, constructor input and endowment.
	pub fn contract(address: &H160) -> Option<(H256, Vec<u8>, u64)> {
		unhashed::get(&Self::contract_key(address))
	}
}

impl Deployer<u64> for MockDeployer {
	type Address = H160;
	type Balance = u64;

	fn predict_address(deployer: &u64, code: &[u8], input: &[u8], salt: &Salt) -> H160 {
		let hash = blake2_256(&(b"mock-create2", deployer, salt, blake2_256(code), input).encode());
		H160::from_slice(&hash[12..])
	}

	fn address_word(address: &H160) -> [u8; 32] {
		let mut word = [0u8; 32];
		word[12..].copy_from_slice(address.as_bytes());
		word
	}

	fn address_storage_keys(address: &H160) -> Vec<Vec<u8>> {
		vec![Self::contract_key(address)]
	}

	fn code_storage_keys(code: &[u8]) -> Vec<Vec<u8>> {
		vec![Self::code_key(&Self::code_hash(code))]
	}

	fn deploy(
		deployer: &u64,
		code: &[u8],
		input: &[u8],
		value: u64,
		salt: &Salt,
		weight_limit: Weight,
	) -> Result<DeployedContract<H160>, DispatchError> {
		let weight_used = Weight::from_parts(WEIGHT_PER_CODE_BYTE * code.len() as u64, 0);
		if weight_used.any_gt(weight_limit) {
			return Err(DispatchError::Other("mock: out of weight"));
		}
		let mut address = Self::predict_address(deployer, code, input, salt);
		if Mispredict::get() {
			address = H160::from_low_u64_be(address.to_low_u64_be().wrapping_add(1));
		}
		if Self::contract(&address).is_some() {
			return Err(DispatchError::Other("mock: address in use"));
		}
		let code_hash = Self::code_hash(code);
		unhashed::put(&Self::code_key(&code_hash), &code.to_vec());
		unhashed::put(&Self::contract_key(&address), &(code_hash, input.to_vec(), value));
		if code.starts_with(FAILING_CODE) {
			return Err(DispatchError::Other("mock: constructor reverted"));
		}
		// The mock's gas: one per byte of code and input.
		let gas_used = (code.len() + input.len()) as u64;
		Ok(DeployedContract { address, code_hash, weight_used, gas_used })
	}
}

impl pallet_batch_deploy::Config for Test {
	type Deployer = MockDeployer;
	type MaxContracts = MaxContracts;
	type MaxCodeLen = MaxCodeLen;
	type MaxNameLen = MaxNameLen;
	type MaxDependencies = MaxDependencies;
	type MaxInputLen = MaxInputLen;
	type MaxBatchCodeLen = MaxBatchCodeLen;
	type LimitsOrigin = frame_system::EnsureRoot<u64>;
	type MaxDeployWeight = MaxDeployWeight;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockBenchmarkHelper;
}

/// Code for benchmarks: the mock accepts any bytes that do not start with [`FAILING_CODE`].
#[cfg(feature = "runtime-benchmarks")]
pub struct MockBenchmarkHelper;

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<u64> for MockBenchmarkHelper {
	fn code(len: u32) -> Vec<u8> {
		vec![0x42; len as usize]
	}

	fn prepare_deployer(_deployer: &u64) {}
}

/// Test externalities, built step by step.
#[derive(Default)]
pub struct ExtBuilder {
	limits: Option<BatchLimits>,
}

impl ExtBuilder {
	/// Start with governance-set `limits` instead of the constants.
	pub fn limits(mut self, limits: BatchLimits) -> Self {
		self.limits = Some(limits);
		self
	}

	/// The externalities at block 1, with the integrity test run.
	pub fn build(self) -> sp_io::TestExternalities {
		// The whole runtime's genesis, so pallets' storage versions are set as on a new chain.
		let storage = RuntimeGenesisConfig::default()
			.build_storage()
			.expect("the default genesis builds");
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| {
			BatchDeploy::integrity_test();
			System::set_block_number(1);
			if let Some(limits) = self.limits {
				pallet_batch_deploy::Limits::<Test>::put(limits);
			}
			Mispredict::set(false);
			MaxDeployWeight::set(Weight::from_parts(2_000_000, 0));
		});
		ext
	}
}
