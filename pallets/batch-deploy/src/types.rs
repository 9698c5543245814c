//! The types of the batch deployment pallet: what a caller sends, what the pallet stores, and
//! the [`Deployer`] boundary to a contract engine.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::*, traits::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, Parameter,
	PartialEqNoBound,
};
use scale_info::TypeInfo;
use sp_core::H256;

/// A salt: makes the address of otherwise identical deployments differ.
pub type Salt = [u8; 32];

/// How a contract names another member of its batch.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
)]
#[scale_info(skip_type_params(MaxNameLen))]
pub enum DependencyRef<MaxNameLen: Get<u32>> {
	/// The contract at this position of the batch (0-based).
	Index(u32),
	/// The contract with this name in the batch.
	Name(BoundedVec<u8, MaxNameLen>),
}

/// One contract of a batch.
///
/// Invariant once validated: `name` is non-empty and unique in the batch; every dependency names
/// another member; the dependencies form no cycle; every placeholder in `constructor_input`
/// names one of the dependencies (see [`crate::placeholder`]).
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
)]
#[scale_info(skip_type_params(MaxNameLen, MaxCodeLen, MaxInputLen, MaxDependencies))]
#[allow(
	clippy::multiple_bound_locations,
	reason = "the derives repeat the bounds in a where clause"
)]
pub struct ContractSpec<
	Balance: Clone + PartialEq + Eq + Debug,
	MaxNameLen: Get<u32>,
	MaxCodeLen: Get<u32>,
	MaxInputLen: Get<u32>,
	MaxDependencies: Get<u32>,
> {
	/// A name unique within the batch, used in events, records and dependencies.
	pub name: BoundedVec<u8, MaxNameLen>,
	/// The contract's code, as the contract engine takes it.
	pub code: BoundedVec<u8, MaxCodeLen>,
	/// The constructor's input. May contain placeholders for dependencies' addresses.
	pub constructor_input: BoundedVec<u8, MaxInputLen>,
	/// Members of the batch that must be deployed before this one.
	pub dependencies: BoundedVec<DependencyRef<MaxNameLen>, MaxDependencies>,
	/// Balance the contract is endowed with at deployment.
	pub value: Balance,
	/// Salt of the contract's address.
	pub salt: Salt,
}

/// What happens to a batch when one of its contracts fails to deploy.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum DeployMode {
	/// Any failure reverts the whole batch, and the call fails with that contract's error.
	AllOrNothing,
	/// A failed contract fails its dependents (with `DependencyFailed`); contracts that do not
	/// depend on it still deploy.
	BestEffort,
}

/// The limits a batch must respect. Governance may lower them below the `Config` constants,
/// never raise them above.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct BatchLimits {
	/// Most contracts in one batch.
	pub max_contracts: u32,
	/// Most bytes of code per contract.
	pub max_code_len: u32,
	/// Most bytes of a contract's name.
	pub max_name_len: u32,
	/// Most dependencies per contract.
	pub max_dependencies: u32,
	/// Most bytes of a constructor input.
	pub max_input_len: u32,
	/// Most bytes of code in one batch, all its contracts together (storage version 1; see
	/// [`crate::migrations`]).
	pub max_batch_code_len: u32,
}

impl BatchLimits {
	/// Whether every limit of `self` is at most the same limit of `other`.
	pub fn within(&self, other: &BatchLimits) -> bool {
		self.max_contracts <= other.max_contracts &&
			self.max_code_len <= other.max_code_len &&
			self.max_name_len <= other.max_name_len &&
			self.max_dependencies <= other.max_dependencies &&
			self.max_input_len <= other.max_input_len &&
			self.max_batch_code_len <= other.max_batch_code_len
	}
}

/// Identifies a batch by where it ran: the block and the extrinsic's index in it. Positional,
/// never a counter: a counter would be one storage item every batch writes, making every two
/// batches conflict in the parallel block builder.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct BatchId<BlockNumber> {
	/// The block the batch ran in.
	pub block: BlockNumber,
	/// The index of the batch's extrinsic in that block.
	pub extrinsic: u32,
}

/// What the pallet records of every contract it deployed, so anyone can look up what a suite is
/// made of.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
#[scale_info(skip_type_params(MaxNameLen, MaxDependencies))]
#[codec(mel_bound(AccountId: MaxEncodedLen, Address: MaxEncodedLen, BlockNumber: MaxEncodedLen))]
#[allow(
	clippy::multiple_bound_locations,
	reason = "the derives repeat the bounds in a where clause"
)]
pub struct DeploymentRecord<
	AccountId: Clone + PartialEq + Eq + Debug,
	Address: Clone + PartialEq + Eq + Debug,
	BlockNumber: Clone + PartialEq + Eq + Debug,
	MaxNameLen: Get<u32>,
	MaxDependencies: Get<u32>,
> {
	/// The account that sent the batch.
	pub deployer: AccountId,
	/// The contract's name in its batch.
	pub name: BoundedVec<u8, MaxNameLen>,
	/// Hash of the contract's code, as the contract engine computes it.
	pub code_hash: H256,
	/// The batch that deployed it.
	pub batch: BatchId<BlockNumber>,
	/// Addresses of the contracts it depends on, in the order it declared them.
	pub dependencies: BoundedVec<Address, MaxDependencies>,
}

/// A contract the [`Deployer`] deployed.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DeployedContract<Address> {
	/// Its address.
	pub address: Address,
	/// Hash of its code.
	pub code_hash: H256,
	/// Weight the deployment consumed, constructor included; at most the limit it was given.
	pub weight_used: Weight,
	/// What the engine reports the deployment used in its own gas units, weight and storage
	/// deposit together (pallet-revive: Ethereum gas at the chain's gas price, what a wallet's
	/// receipt would show); 0 for an engine without gas.
	pub gas_used: u64,
}

/// The boundary to a contract engine: predicts and deploys contracts.
///
/// The runtime plugs in a real engine (pex-runtime: pallet-revive); tests use a mock.
pub trait Deployer<AccountId> {
	/// A contract's address.
	type Address: Parameter + MaxEncodedLen + Ord + Copy;
	/// The balance a contract is endowed with.
	type Balance: Parameter + MaxEncodedLen + Copy;

	/// The address [`Deployer::deploy`] will give a contract deployed by `deployer` with
	/// exactly these arguments (for pallet-revive, its CREATE2 rule). Must be a pure function
	/// of its arguments: never a nonce or a counter, which would make the plan of a batch
	/// depend on state and every two deployments conflict.
	fn predict_address(
		deployer: &AccountId,
		code: &[u8],
		input: &[u8],
		salt: &Salt,
	) -> Self::Address;

	/// How a constructor receives an address: the 32-byte word a placeholder is replaced with
	/// (for EVM-style engines, the ABI encoding of an `address`: 12 zero bytes, then the 20
	/// address bytes).
	fn address_word(address: &Self::Address) -> [u8; 32];

	/// The storage keys of the account at `address` in the engine (its balance, its contract
	/// info), declared in access sets like [`Deployer::code_storage_keys`].
	fn address_storage_keys(address: &Self::Address) -> Vec<Vec<u8>>;

	/// The storage keys the engine writes to store `code`, as far as they are known before the
	/// deployment (an EVM constructor returns the code that is stored, so for EVM init code
	/// there may be none). Declared in access sets, so the parallel block builder can tell
	/// which deployments conflict; a key missing here costs a re-execution, not correctness.
	fn code_storage_keys(code: &[u8]) -> Vec<Vec<u8>>;

	/// Deploy a contract: store its code, run its constructor with `input`, endow it with
	/// `value`, spending at most `weight_limit`. On success the address is
	/// `predict_address(deployer, code, input, salt)`. On error, the caller rolls back whatever
	/// the engine wrote.
	fn deploy(
		deployer: &AccountId,
		code: &[u8],
		input: &[u8],
		value: Self::Balance,
		salt: &Salt,
		weight_limit: Weight,
	) -> Result<DeployedContract<Self::Address>, DispatchError>;
}

/// The order and addresses a batch will deploy with: what [`crate::Pallet::plan`] computes.
///
/// Invariant: `levels` holds every index of the batch exactly once; a contract's dependencies
/// all lie in earlier levels; members of a level ascend. `addresses[i]` is the address contract
/// `i` will get, `dependencies[i]` what it depends on.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct DeploymentPlan<Address> {
	/// Batch indices, level by level: each level depends only on earlier ones.
	pub levels: Vec<Vec<u32>>,
	/// The address of each contract, by batch index.
	pub addresses: Vec<Address>,
	/// The batch indices each contract depends on, by batch index, in the order declared,
	/// without repeats.
	pub dependencies: Vec<Vec<u32>>,
}

/// Why a batch is invalid, naming the contracts involved by their index in the batch. The
/// dispatchables turn it into the pallet's `Error`; [`crate::Pallet::plan`] returns it whole
/// (a cycle with all its members), for tools that show it to the user.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum PlanError {
	/// The batch holds no contract.
	EmptyBatch,
	/// The batch holds more contracts than the limits allow.
	TooManyContracts,
	/// This contract has an empty name.
	EmptyName(u32),
	/// This contract's name is longer than the limits allow.
	NameTooLong(u32),
	/// This contract's code is longer than the limits allow.
	CodeTooLarge(u32),
	/// This contract's constructor input is longer than the limits allow.
	InputTooLarge(u32),
	/// This contract declares more dependencies than the limits allow.
	TooManyDependencies(u32),
	/// This contract has the name of an earlier contract of the batch.
	DuplicateName(u32),
	/// This contract depends on a name or index that is not in the batch.
	UnknownDependency(u32),
	/// This contract depends on itself.
	SelfDependency(u32),
	/// These contracts depend on each other in a cycle: each on the next, the last on the
	/// first.
	DependencyCycle(Vec<u32>),
	/// This contract's constructor input holds a placeholder for a contract it does not
	/// depend on.
	BadPlaceholder(u32),
	/// This contract would get the same address as an earlier contract of the batch.
	DuplicateAddress(u32),
	/// The batch's contracts together hold more code than the limits allow.
	BatchCodeTooLarge,
}
