//! # Batch Deploy Pallet
//!
//! Deploy a whole suite of contracts in one extrinsic, dependents after their dependencies, with
//! one result per contract.
//!
//! ## Pallet API
//!
//! - [`Pallet::batch_deploy`]: deploy a list of [`ContractSpec`]s in dependency order.
//! - [`Pallet::deploy`]: deploy one contract, by the same path.
//! - [`Pallet::set_limits`]: governance lowers the batch limits (never above the `Config`
//!   constants).
//! - [`Pallet::plan`]: the order and addresses a batch would get, without deploying anything.
//! - [`Pallet::access_set`]: what a call of this pallet reads and writes, for the parallel block
//!   builder.
//! - [`migrations`]: what a runtime runs on upgrade to bring this pallet's storage to the current
//!   [`STORAGE_VERSION`] (1).
//!
//! ## Overview
//!
//! dApp suites such as Factory -> Token -> Router need the addresses of their dependencies in
//! their constructors. Instead of one transaction per contract, a team sends the whole suite:
//! each [`ContractSpec`] names the members of the batch it depends on (by name or index) and
//! may carry [`placeholder`]s in its constructor input, which the pallet replaces with the
//! addresses of those dependencies.
//!
//! The pallet first validates the whole batch (sizes, names, dependencies, cycles,
//! placeholders) without changing any state, and computes its [`DeploymentPlan`]: the
//! dependency levels of `pex_primitives::DependencyGraph` (within a level, batch order) and
//! every address, predicted by the [`Deployer`]. Then it deploys level by level through the
//! [`Deployer`], the contract engine the runtime plugs in, records each contract in
//! [`Deployments`] and emits [`Event::ContractDeployed`] or [`Event::ContractFailed`] per
//! contract and [`Event::BatchCompleted`] at the end. In [`DeployMode::AllOrNothing`] the first
//! failure reverts the batch; in [`DeployMode::BestEffort`] it fails the contract's dependents
//! only.
//!
//! ### Example
//!
//! A Router that needs the addresses of a Token and a Factory, a Token that needs the
//! Factory's: sent in any order, deployed Factory, Token, Router, each constructor given the
//! addresses it asked for through placeholders.
#![doc = docify::embed!("src/tests.rs", a_suite_deploys_dependencies_first_with_events_in_order)]
//!
//! ## Determinism and parallel execution
//!
//! Addresses are pure functions of the deployer, code, input and salt (for pallet-revive its
//! CREATE2 rule), and a batch is identified by its position ([`BatchId`]: block and extrinsic
//! index). There is no global counter: one would be a storage item every batch writes, and make
//! every two batches conflict in the parallel block builder. Two batches of different deployers
//! therefore touch disjoint state, which [`Pallet::access_set`] declares.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod migrations;
#[cfg(test)]
mod mock;
pub mod placeholder;
pub mod runtime_api;
#[cfg(test)]
mod tests;
mod types;
pub mod weights;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

/// What benchmarks need from the runtime.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Code of `len` bytes that the runtime's `Deployer` deploys successfully.
	fn code(len: u32) -> alloc::vec::Vec<u8>;

	/// Make `deployer` able to deploy: funds for deposits, whatever the engine requires of an
	/// account (pallet-revive: a mapping to an H160).
	fn prepare_deployer(deployer: &AccountId);
}

/// The log target of this pallet.
pub const LOG_TARGET: &str = "runtime::batch-deploy";

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::{
		boxed::Box,
		collections::{BTreeMap, BTreeSet},
		vec,
		vec::Vec,
	};
	use frame_support::{
		dispatch::{DispatchErrorWithPostInfo, PostDispatchInfo},
		pallet_prelude::*,
		storage::{with_transaction, TransactionOutcome},
	};
	use frame_system::pallet_prelude::*;
	use pex_primitives::{AccessKey, AccessSet, DependencyGraph, GraphError};
	use sp_core::H256;
	use sp_runtime::Saturating;

	/// The balance a contract is endowed with.
	pub type BalanceOf<T> =
		<<T as Config>::Deployer as Deployer<<T as frame_system::Config>::AccountId>>::Balance;
	/// A contract's address.
	pub type AddressOf<T> =
		<<T as Config>::Deployer as Deployer<<T as frame_system::Config>::AccountId>>::Address;
	/// A contract of a batch, bounded by the `Config` constants.
	pub type ContractSpecOf<T> = ContractSpec<
		BalanceOf<T>,
		<T as Config>::MaxNameLen,
		<T as Config>::MaxCodeLen,
		<T as Config>::MaxInputLen,
		<T as Config>::MaxDependencies,
	>;
	/// A batch's position.
	pub type BatchIdOf<T> = BatchId<BlockNumberFor<T>>;
	/// What [`Deployments`] stores.
	pub type DeploymentRecordOf<T> = DeploymentRecord<
		<T as frame_system::Config>::AccountId,
		AddressOf<T>,
		BlockNumberFor<T>,
		<T as Config>::MaxNameLen,
		<T as Config>::MaxDependencies,
	>;

	/// The storage layout's version: 1 since [`BatchLimits::max_batch_code_len`]
	/// ([`crate::migrations::v1`]).
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The contract engine: predicts addresses and deploys.
		type Deployer: Deployer<Self::AccountId>;

		/// Most contracts in one batch. At most `u16::MAX`, so errors can name a contract.
		#[pallet::constant]
		type MaxContracts: Get<u32>;

		/// Most bytes of code per contract.
		#[pallet::constant]
		type MaxCodeLen: Get<u32>;

		/// Most bytes of a contract's name.
		#[pallet::constant]
		type MaxNameLen: Get<u32>;

		/// Most dependencies one contract may declare.
		#[pallet::constant]
		type MaxDependencies: Get<u32>;

		/// Most bytes of a constructor input.
		#[pallet::constant]
		type MaxInputLen: Get<u32>;

		/// Most bytes of code in one batch, all its contracts together. At least `MaxCodeLen`.
		#[pallet::constant]
		type MaxBatchCodeLen: Get<u32>;

		/// The weight each deployment may use in the contract engine, constructor included.
		/// A call is charged this much per contract up front; what is not used is refunded.
		#[pallet::constant]
		type MaxDeployWeight: Get<Weight>;

		/// Who may set the batch limits ([`Pallet::set_limits`]): Root, or a governance track
		/// for parameters.
		type LimitsOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;

		/// Makes code the `Deployer` accepts, for benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// Every contract this pallet deployed, by address: who deployed it, under which name, with
	/// which code, in which batch, and the addresses it depends on.
	#[pallet::storage]
	pub type Deployments<T: Config> =
		StorageMap<_, Blake2_128Concat, AddressOf<T>, DeploymentRecordOf<T>, OptionQuery>;

	/// The limits governance set with [`Pallet::set_limits`]; absent, the `Config` constants
	/// apply. Invariant: never above the constants.
	#[pallet::storage]
	pub type Limits<T: Config> = StorageValue<_, BatchLimits, OptionQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A contract of a batch was deployed.
		ContractDeployed {
			/// The batch.
			batch: BatchIdOf<T>,
			/// The contract's index in the batch.
			index: u32,
			/// The contract's name.
			name: BoundedVec<u8, T::MaxNameLen>,
			/// Where it lives.
			address: AddressOf<T>,
			/// Hash of its code.
			code_hash: H256,
			/// What the engine reports the deployment used, in its own gas
			/// ([`DeployedContract::gas_used`]).
			gas_used: u64,
		},
		/// A contract of a batch was not deployed (only in [`DeployMode::BestEffort`]).
		ContractFailed {
			/// The batch.
			batch: BatchIdOf<T>,
			/// The contract's index in the batch.
			index: u32,
			/// The contract's name.
			name: BoundedVec<u8, T::MaxNameLen>,
			/// Why: the engine's error, or [`Error::DependencyFailed`].
			error: DispatchError,
		},
		/// A batch ran to its end.
		BatchCompleted {
			/// The batch.
			batch: BatchIdOf<T>,
			/// How many of its contracts were deployed.
			deployed: u32,
			/// How many were not.
			failed: u32,
			/// How many dependency levels it had.
			levels: u32,
		},
		/// Governance set new batch limits.
		LimitsSet {
			/// The limits now in force.
			limits: BatchLimits,
		},
	}

	/// Errors of this pallet. Where a variant names a `contract`, that is its index in the batch.
	#[pallet::error]
	pub enum Error<T> {
		/// The batch holds no contract. Send at least one.
		EmptyBatch,
		/// The batch holds more contracts than the limits allow. Split it, or see `Limits`.
		TooManyContracts,
		/// A contract has an empty name. Every contract needs a name unique in its batch.
		EmptyName {
			/// The contract.
			contract: u16,
		},
		/// A contract's name is longer than the limits allow.
		NameTooLong {
			/// The contract.
			contract: u16,
		},
		/// A contract's code is longer than the limits allow.
		CodeTooLarge {
			/// The contract.
			contract: u16,
		},
		/// A contract's constructor input is longer than the limits allow.
		InputTooLarge {
			/// The contract.
			contract: u16,
		},
		/// A contract declares more dependencies than the limits allow.
		TooManyDependencies {
			/// The contract.
			contract: u16,
		},
		/// A contract has the same name as an earlier one in the batch. Names must be unique.
		DuplicateName {
			/// The later of the two contracts.
			contract: u16,
		},
		/// A contract depends on a name or index that is not in the batch.
		UnknownDependency {
			/// The contract.
			contract: u16,
		},
		/// A contract depends on itself.
		SelfDependency {
			/// The contract.
			contract: u16,
		},
		/// Contracts depend on each other in a cycle, so none can go first. `contract` is the
		/// cycle's smallest member; `Pallet::plan` names all of them.
		DependencyCycle {
			/// The cycle's member with the smallest index.
			contract: u16,
		},
		/// A contract's constructor input holds a placeholder for a contract it does not
		/// declare as a dependency. Add the dependency, or fix the placeholder.
		BadPlaceholder {
			/// The contract.
			contract: u16,
		},
		/// Two contracts of the batch would get the same address (same code, input and salt).
		/// Give them different salts.
		DuplicateAddress {
			/// The contract deployed later.
			contract: u16,
		},
		/// A contract was not deployed because a contract it depends on was not.
		DependencyFailed,
		/// The contract engine deployed a contract at another address than it predicted; the
		/// deployment was reverted. A defect of the runtime's `Deployer`.
		AddressMismatch,
		/// `set_limits` asked for a limit above the `Config` constant.
		LimitAboveMaximum,
		/// The batch's contracts together hold more code than the limits allow. Split the batch.
		BatchCodeTooLarge,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}

		fn integrity_test() {
			assert!(
				T::MaxContracts::get() <= u16::MAX as u32,
				"MaxContracts must fit u16: errors name contracts by a u16 index"
			);
			assert!(T::MaxContracts::get() > 0, "MaxContracts must allow one contract");
			assert!(T::MaxCodeLen::get() > 0, "MaxCodeLen must allow some code");
			assert!(
				T::MaxBatchCodeLen::get() >= T::MaxCodeLen::get(),
				"MaxBatchCodeLen must allow a batch of one contract of MaxCodeLen"
			);
			assert!(T::MaxNameLen::get() > 0, "MaxNameLen must allow a name");
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Deploy `contracts` in dependency order.
		///
		/// ## Dispatch Origin
		///
		/// Signed: the deployer of every contract.
		///
		/// ## Details
		///
		/// Validates the whole batch first (see [`Pallet::plan`]): on any error nothing changes
		/// and only the validation is charged. Then deploys level by level, within a level by
		/// batch index, replacing placeholders with the addresses of dependencies, and records
		/// each contract in [`Deployments`]. Charged up front for `MaxDeployWeight` per
		/// contract; the unused part is refunded.
		///
		/// ## Errors
		///
		/// Every validation error of [`Error`] (empty batch, limits, names, dependencies,
		/// cycles, placeholders, duplicate addresses). In [`DeployMode::AllOrNothing`], the
		/// first contract the engine fails to deploy fails the call with the engine's error and
		/// reverts the batch.
		///
		/// ## Events
		///
		/// [`Event::ContractDeployed`] or [`Event::ContractFailed`] per contract, in deployment
		/// order, then [`Event::BatchCompleted`].
		#[pallet::call_index(0)]
		#[pallet::weight(Pallet::<T>::batch_weight(contracts))]
		pub fn batch_deploy(
			origin: OriginFor<T>,
			contracts: BoundedVec<ContractSpecOf<T>, T::MaxContracts>,
			mode: DeployMode,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let (count, code, edges) = Self::batch_shape(&contracts);
			let own_weight = T::WeightInfo::batch_deploy(count, code, edges);
			Self::do_batch_deploy(&who, &contracts, mode, own_weight)
		}

		/// Deploy one contract: a batch of one in [`DeployMode::AllOrNothing`].
		///
		/// ## Dispatch Origin
		///
		/// Signed: the contract's deployer.
		///
		/// ## Details
		///
		/// Same validation and deployment as [`Pallet::batch_deploy`]. A lone contract cannot
		/// have dependencies or placeholders.
		///
		/// ## Errors
		///
		/// As [`Pallet::batch_deploy`]; the engine's error if the deployment fails.
		///
		/// ## Events
		///
		/// [`Event::ContractDeployed`], then [`Event::BatchCompleted`].
		#[pallet::call_index(1)]
		#[pallet::weight(
			T::WeightInfo::deploy(Pallet::<T>::batch_shape(core::slice::from_ref(&**spec)).1)
				.saturating_add(T::MaxDeployWeight::get())
		)]
		#[allow(clippy::boxed_local, reason = "boxed to keep RuntimeCall small")]
		pub fn deploy(
			origin: OriginFor<T>,
			spec: Box<ContractSpecOf<T>>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let contracts = core::slice::from_ref(&*spec);
			let own_weight = T::WeightInfo::deploy(Self::batch_shape(contracts).1);
			Self::do_batch_deploy(&who, contracts, DeployMode::AllOrNothing, own_weight)
		}

		/// Set the batch limits.
		///
		/// ## Dispatch Origin
		///
		/// `Config::LimitsOrigin` (governance).
		///
		/// ## Details
		///
		/// Every limit must be at most its `Config` constant. Takes effect for the next batch.
		///
		/// ## Errors
		///
		/// [`Error::LimitAboveMaximum`] if a limit exceeds its constant.
		///
		/// ## Events
		///
		/// [`Event::LimitsSet`].
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::set_limits())]
		pub fn set_limits(origin: OriginFor<T>, limits: BatchLimits) -> DispatchResult {
			T::LimitsOrigin::ensure_origin(origin)?;
			ensure!(limits.within(&Self::max_limits()), Error::<T>::LimitAboveMaximum);
			Limits::<T>::put(limits);
			Self::deposit_event(Event::LimitsSet { limits });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// The `Config` constants as limits: the most [`Limits`] may ever be.
		pub fn max_limits() -> BatchLimits {
			BatchLimits {
				max_contracts: T::MaxContracts::get(),
				max_code_len: T::MaxCodeLen::get(),
				max_name_len: T::MaxNameLen::get(),
				max_dependencies: T::MaxDependencies::get(),
				max_input_len: T::MaxInputLen::get(),
				max_batch_code_len: T::MaxBatchCodeLen::get(),
			}
		}

		/// The limits in force: those governance set, else the `Config` constants.
		pub fn limits() -> BatchLimits {
			Limits::<T>::get().unwrap_or_else(Self::max_limits)
		}

		/// The plan `batch_deploy` would follow for `contracts` sent by `deployer` under the
		/// limits in force: dependency levels and every address. Writes nothing.
		///
		/// Checks, in order: the batch is not empty and within the limits; every contract's
		/// name, code, input and dependency count are within the limits and its name is
		/// non-empty; names are unique; all code together is within the limits; every dependency
		/// names another member; there is no cycle; every placeholder names a dependency; no two
		/// addresses are equal.
		pub fn plan(
			deployer: &T::AccountId,
			contracts: &[ContractSpecOf<T>],
		) -> Result<DeploymentPlan<AddressOf<T>>, PlanError> {
			let limits = Self::limits();
			let count = u32::try_from(contracts.len()).map_err(|_| PlanError::TooManyContracts)?;
			if count == 0 {
				return Err(PlanError::EmptyBatch);
			}
			if count > limits.max_contracts {
				return Err(PlanError::TooManyContracts);
			}
			let too_long = |len: usize, max: u32| u32::try_from(len).map_or(true, |len| len > max);
			let mut names = BTreeMap::new();
			for (index, spec) in (0..count).zip(contracts) {
				let checks = [
					(spec.name.is_empty(), PlanError::EmptyName(index)),
					(too_long(spec.name.len(), limits.max_name_len), PlanError::NameTooLong(index)),
					(
						too_long(spec.code.len(), limits.max_code_len),
						PlanError::CodeTooLarge(index),
					),
					(
						too_long(spec.constructor_input.len(), limits.max_input_len),
						PlanError::InputTooLarge(index),
					),
					(
						too_long(spec.dependencies.len(), limits.max_dependencies),
						PlanError::TooManyDependencies(index),
					),
				];
				if let Some((_, error)) = checks.into_iter().find(|(failed, _)| *failed) {
					return Err(error);
				}
				if names.insert(spec.name.as_slice(), index).is_some() {
					return Err(PlanError::DuplicateName(index));
				}
			}
			let batch_code_len =
				contracts.iter().map(|spec| spec.code.len()).fold(0, usize::saturating_add);
			if too_long(batch_code_len, limits.max_batch_code_len) {
				return Err(PlanError::BatchCodeTooLarge);
			}

			let mut graph = DependencyGraph::new(count);
			let mut dependencies = Vec::with_capacity(contracts.len());
			for (index, spec) in (0..count).zip(contracts) {
				let mut resolved: Vec<u32> = Vec::with_capacity(spec.dependencies.len());
				for dependency in &spec.dependencies {
					let target = match dependency {
						DependencyRef::Index(target) => Some(*target).filter(|t| *t < count),
						DependencyRef::Name(name) => names.get(name.as_slice()).copied(),
					}
					.ok_or(PlanError::UnknownDependency(index))?;
					graph.add_dependency(index, target).map_err(|error| match error {
						GraphError::SelfDependency { .. } => PlanError::SelfDependency(index),
						_ => PlanError::UnknownDependency(index),
					})?;
					if !resolved.contains(&target) {
						resolved.push(target);
					}
				}
				let named = placeholder::placeholders(&spec.constructor_input);
				if named.iter().any(|(_, target)| !resolved.contains(target)) {
					return Err(PlanError::BadPlaceholder(index));
				}
				dependencies.push(resolved);
			}
			let levels = graph.levels().map_err(|error| match error {
				GraphError::Cycle { members } => PlanError::DependencyCycle(members),
				// `levels` fails only with a cycle; every edge was checked when it was added.
				_ => PlanError::UnknownDependency(0),
			})?;

			let mut addresses: Vec<Option<AddressOf<T>>> = vec![None; contracts.len()];
			let mut taken = BTreeSet::new();
			for &index in levels.iter().flatten() {
				let spec = &contracts[index as usize];
				let input = Self::resolve_placeholders(&spec.constructor_input, |target| {
					addresses.get(target as usize).copied().flatten()
				})
				.ok_or(PlanError::BadPlaceholder(index))?;
				let address =
					T::Deployer::predict_address(deployer, &spec.code, &input, &spec.salt);
				if !taken.insert(address) {
					return Err(PlanError::DuplicateAddress(index));
				}
				addresses[index as usize] = Some(address);
			}
			let addresses = addresses.into_iter().flatten().collect();
			Ok(DeploymentPlan { levels, addresses, dependencies })
		}

		/// What a call of this pallet by `who` reads and writes, for the parallel block builder,
		/// as real storage keys: for deployments, the deployer's `System::Account`, the engine's
		/// keys for each derived address and for the code, and each record in [`Deployments`];
		/// for `set_limits`, [`Limits`]. An invalid batch touches only the deployer's account
		/// and reads the limits.
		pub fn access_set(who: &T::AccountId, call: &Call<T>) -> AccessSet {
			let limits_key = AccessKey::Storage(Limits::<T>::hashed_key().to_vec());
			let contracts = match call {
				Call::batch_deploy { contracts, .. } => contracts.as_slice(),
				Call::deploy { spec } => core::slice::from_ref(&**spec),
				Call::set_limits { .. } => return AccessSet::new().write(limits_key),
				// Not a real call; claim everything rather than guess.
				_ => return AccessSet::new().write(AccessKey::StoragePrefix(Vec::new())),
			};
			let deployer = frame_system::Account::<T>::hashed_key_for(who);
			let mut set = AccessSet::new().write(AccessKey::Storage(deployer)).read(limits_key);
			if let Ok(plan) = Self::plan(who, contracts) {
				for (spec, address) in contracts.iter().zip(&plan.addresses) {
					let keys = T::Deployer::address_storage_keys(address)
						.into_iter()
						.chain(T::Deployer::code_storage_keys(&spec.code))
						.chain(core::iter::once(Deployments::<T>::hashed_key_for(address)));
					for key in keys {
						set = set.write(AccessKey::Storage(key));
					}
				}
			}
			set
		}

		/// The weight a batch is charged up front: the pallet's own work, plus the most every
		/// deployment may use in the engine.
		pub fn batch_weight(contracts: &[ContractSpecOf<T>]) -> Weight {
			let (count, code, edges) = Self::batch_shape(contracts);
			T::WeightInfo::batch_deploy(count, code, edges)
				.saturating_add(T::MaxDeployWeight::get().saturating_mul(count.into()))
		}

		/// Contracts, total code bytes and dependency edges of a batch: what its weight is
		/// linear in.
		pub fn batch_shape(contracts: &[ContractSpecOf<T>]) -> (u32, u32, u32) {
			let saturated = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
			(
				saturated(contracts.len()),
				saturated(contracts.iter().map(|c| c.code.len()).sum()),
				saturated(contracts.iter().map(|c| c.dependencies.len()).sum()),
			)
		}

		/// `input` with every placeholder replaced by the address word of the contract it names.
		fn resolve_placeholders(
			input: &[u8],
			address_of: impl Fn(u32) -> Option<AddressOf<T>>,
		) -> Option<Vec<u8>> {
			placeholder::substitute(input, |target| {
				address_of(target).map(|address| T::Deployer::address_word(&address))
			})
		}

		/// Validate, then deploy `contracts`. `own_weight`: the pallet's part of the call's
		/// weight, to which the weight each deployment used is added.
		fn do_batch_deploy(
			who: &T::AccountId,
			contracts: &[ContractSpecOf<T>],
			mode: DeployMode,
			own_weight: Weight,
		) -> DispatchResultWithPostInfo {
			let (count, code, edges) = Self::batch_shape(contracts);
			let plan = Self::plan(who, contracts).map_err(|error| {
				log::debug!(target: LOG_TARGET, "batch of {who:?} rejected: {error:?}");
				DispatchErrorWithPostInfo {
					post_info: Some(T::WeightInfo::validate(count, code, edges)).into(),
					error: Error::<T>::from(error).into(),
				}
			})?;
			let batch = BatchId {
				block: frame_system::Pallet::<T>::block_number(),
				extrinsic: frame_system::Pallet::<T>::extrinsic_index().unwrap_or_default(),
			};

			let mut weight = own_weight;
			let mut deployed: Vec<Option<AddressOf<T>>> = vec![None; contracts.len()];
			let mut failed = 0u32;
			for &index in plan.levels.iter().flatten() {
				let spec = &contracts[index as usize];
				let dependencies: Option<Vec<AddressOf<T>>> = plan.dependencies[index as usize]
					.iter()
					.map(|&target| deployed[target as usize])
					.collect();
				let result = match dependencies {
					Some(dependencies) =>
						Self::deploy_one(who, spec, plan.addresses[index as usize], &deployed)
							.map(|contract| (contract, dependencies)),
					None => Err(Error::<T>::DependencyFailed.into()),
				};
				match result {
					Ok((contract, dependencies)) => {
						weight.saturating_accrue(contract.weight_used);
						Deployments::<T>::insert(
							contract.address,
							DeploymentRecord {
								deployer: who.clone(),
								name: spec.name.clone(),
								code_hash: contract.code_hash,
								batch,
								dependencies: BoundedVec::truncate_from(dependencies),
							},
						);
						Self::deposit_event(Event::ContractDeployed {
							batch,
							index,
							name: spec.name.clone(),
							address: contract.address,
							code_hash: contract.code_hash,
							gas_used: contract.gas_used,
						});
						deployed[index as usize] = Some(contract.address);
					},
					Err(error) => {
						// The engine may have used up to the limit before failing.
						weight.saturating_accrue(T::MaxDeployWeight::get());
						if mode == DeployMode::AllOrNothing {
							return Err(DispatchErrorWithPostInfo {
								post_info: PostDispatchInfo::from(Some(weight)),
								error,
							});
						}
						failed.saturating_inc();
						Self::deposit_event(Event::ContractFailed {
							batch,
							index,
							name: spec.name.clone(),
							error,
						});
					},
				}
			}
			Self::deposit_event(Event::BatchCompleted {
				batch,
				deployed: count.saturating_sub(failed),
				failed,
				levels: u32::try_from(plan.levels.len()).unwrap_or(u32::MAX),
			});
			Ok(Some(weight).into())
		}

		/// Deploy one contract whose dependencies are all deployed, in its own storage layer:
		/// if the engine fails, or deploys elsewhere than `expected`, nothing it wrote stays.
		fn deploy_one(
			who: &T::AccountId,
			spec: &ContractSpecOf<T>,
			expected: AddressOf<T>,
			deployed: &[Option<AddressOf<T>>],
		) -> Result<DeployedContract<AddressOf<T>>, DispatchError> {
			let input = Self::resolve_placeholders(&spec.constructor_input, |target| {
				deployed.get(target as usize).copied().flatten()
			})
			.ok_or(Error::<T>::DependencyFailed)?;
			with_transaction(|| {
				let result = T::Deployer::deploy(
					who,
					&spec.code,
					&input,
					spec.value,
					&spec.salt,
					T::MaxDeployWeight::get(),
				)
				.and_then(|contract| {
					if contract.address == expected {
						Ok(contract)
					} else {
						log::error!(target: LOG_TARGET, "Deployer broke its address prediction");
						Err(Error::<T>::AddressMismatch.into())
					}
				});
				match result {
					Ok(contract) => TransactionOutcome::Commit(Ok(contract)),
					Err(error) => TransactionOutcome::Rollback(Err(error)),
				}
			})
		}
	}

	#[cfg(any(test, feature = "try-runtime"))]
	impl<T: Config> Pallet<T> {
		/// The pallet's invariants, checked one by one.
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			Self::check_limits_within_constants()?;
			Self::check_dependencies_recorded()
		}

		/// [`Limits`] never exceed the `Config` constants.
		fn check_limits_within_constants() -> Result<(), sp_runtime::TryRuntimeError> {
			ensure!(
				Limits::<T>::get().is_none_or(|limits| limits.within(&Self::max_limits())),
				"Limits exceed the Config constants"
			);
			Ok(())
		}

		/// Every contract a record depends on was deployed by this pallet too, before it (in
		/// the same batch or an earlier one).
		fn check_dependencies_recorded() -> Result<(), sp_runtime::TryRuntimeError> {
			for (address, record) in Deployments::<T>::iter() {
				for dependency in &record.dependencies {
					let Some(dependency) = Deployments::<T>::get(dependency) else {
						log::error!(target: LOG_TARGET, "{address:?} depends on an unrecorded contract");
						return Err("a deployment depends on an unrecorded contract".into());
					};
					ensure!(
						(dependency.batch.block, dependency.batch.extrinsic) <=
							(record.batch.block, record.batch.extrinsic),
						"a deployment depends on a later one"
					);
				}
			}
			Ok(())
		}
	}

	impl<T> From<PlanError> for Error<T> {
		fn from(error: PlanError) -> Self {
			// `integrity_test` ensures MaxContracts, hence every index, fits u16.
			let at = |index: u32| u16::try_from(index).unwrap_or(u16::MAX);
			match error {
				PlanError::EmptyBatch => Error::EmptyBatch,
				PlanError::TooManyContracts => Error::TooManyContracts,
				PlanError::EmptyName(i) => Error::EmptyName { contract: at(i) },
				PlanError::NameTooLong(i) => Error::NameTooLong { contract: at(i) },
				PlanError::CodeTooLarge(i) => Error::CodeTooLarge { contract: at(i) },
				PlanError::InputTooLarge(i) => Error::InputTooLarge { contract: at(i) },
				PlanError::TooManyDependencies(i) => Error::TooManyDependencies { contract: at(i) },
				PlanError::DuplicateName(i) => Error::DuplicateName { contract: at(i) },
				PlanError::UnknownDependency(i) => Error::UnknownDependency { contract: at(i) },
				PlanError::SelfDependency(i) => Error::SelfDependency { contract: at(i) },
				PlanError::DependencyCycle(members) => Error::DependencyCycle {
					contract: at(members.first().copied().unwrap_or_default()),
				},
				PlanError::BadPlaceholder(i) => Error::BadPlaceholder { contract: at(i) },
				PlanError::DuplicateAddress(i) => Error::DuplicateAddress { contract: at(i) },
				PlanError::BatchCodeTooLarge => Error::BatchCodeTooLarge,
			}
		}
	}
}
