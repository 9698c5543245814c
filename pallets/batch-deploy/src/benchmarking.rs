//! Benchmarks of the batch deployment pallet (frame-benchmarking v2).
//!
//! The batches are the worst cases for the pallet's own work: a deep chain (every contract
//! depends on the one before it and carries its address in a placeholder, so there are as many
//! levels as contracts and every input is rewritten), plus extra dependency references on the
//! last contract. The engine's own cost is not what these measure: the pallet adds the weight
//! each deployment reports.

use super::*;
use crate::{placeholder::placeholder, Pallet as BatchDeploy};
use alloc::{boxed::Box, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{EnsureOrigin, Get},
	BoundedVec,
};
use frame_system::RawOrigin;

/// A deep chain of `count` contracts, `code` bytes of code in all, `extra_edges` more dependency
/// references on the last contract. Salts tell contracts with equal code apart.
fn chain<T: Config>(count: u32, code: u32, extra_edges: u32) -> Vec<ContractSpecOf<T>>
where
	BalanceOf<T>: Default,
{
	(0..count)
		.map(|i| {
			let len = if i == 0 { code - code / count * (count - 1) } else { code / count };
			let mut dependencies = Vec::new();
			let mut input = Vec::new();
			if i > 0 {
				dependencies.push(DependencyRef::Index(i - 1));
				input.extend_from_slice(&placeholder(i - 1));
			}
			if i == count - 1 && i > 0 {
				dependencies.extend((0..extra_edges).map(|_| DependencyRef::Index(0)));
			}
			let mut salt = [0u8; 32];
			salt[..4].copy_from_slice(&i.to_le_bytes());
			ContractSpec {
				name: BoundedVec::truncate_from(alloc::format!("c{i}").into_bytes()),
				code: BoundedVec::truncate_from(T::BenchmarkHelper::code(len)),
				constructor_input: BoundedVec::truncate_from(input),
				dependencies: BoundedVec::truncate_from(dependencies),
				value: Default::default(),
				salt,
			}
		})
		.collect()
}

#[benchmarks(where BalanceOf<T>: Default)]
mod benchmarks {
	use super::*;

	/// `c` contracts in a deep chain, `b` bytes of code in all, `e` extra dependency references.
	#[benchmark]
	fn batch_deploy(
		c: Linear<2, { T::MaxContracts::get() }>,
		b: Linear<0, { T::MaxCodeLen::get() }>,
		e: Linear<0, { T::MaxDependencies::get().saturating_sub(1) }>,
	) {
		let caller: T::AccountId = whitelisted_caller();
		T::BenchmarkHelper::prepare_deployer(&caller);
		let contracts = chain::<T>(c, b, e);
		let plan = BatchDeploy::<T>::plan(&caller, &contracts).expect("a valid chain");

		#[extrinsic_call]
		_(
			RawOrigin::Signed(caller),
			BoundedVec::truncate_from(contracts),
			DeployMode::AllOrNothing,
		);

		assert_eq!(plan.levels.len() as u32, c);
		assert!(plan.addresses.iter().all(Deployments::<T>::contains_key));
	}

	/// One contract of `b` bytes.
	#[benchmark]
	fn deploy(b: Linear<0, { T::MaxCodeLen::get() }>) {
		let caller: T::AccountId = whitelisted_caller();
		T::BenchmarkHelper::prepare_deployer(&caller);
		let spec = chain::<T>(1, b, 0).remove(0);
		let plan = BatchDeploy::<T>::plan(&caller, core::slice::from_ref(&spec)).expect("valid");

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), Box::new(spec));

		assert!(Deployments::<T>::contains_key(plan.addresses[0]));
	}

	/// Validation of a batch that fails at its very last check: the last contract of the chain
	/// gets the address of the first, so every level and address is computed first.
	#[benchmark]
	fn validate(
		c: Linear<2, { T::MaxContracts::get() }>,
		b: Linear<0, { T::MaxCodeLen::get() }>,
		e: Linear<0, { T::MaxDependencies::get().saturating_sub(1) }>,
	) {
		let caller: T::AccountId = whitelisted_caller();
		let mut contracts = chain::<T>(c, b, e);
		let last = contracts.len() - 1;
		contracts[last].code = contracts[0].code.clone();
		contracts[last].constructor_input = contracts[0].constructor_input.clone();
		contracts[last].salt = contracts[0].salt;
		let result;

		#[block]
		{
			result = BatchDeploy::<T>::plan(&caller, &contracts);
		}

		assert_eq!(result, Err(PlanError::DuplicateAddress(c - 1)));
	}

	#[benchmark]
	fn set_limits() -> Result<(), BenchmarkError> {
		let limits = BatchDeploy::<T>::max_limits();
		let origin =
			T::LimitsOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, limits);

		assert_eq!(Limits::<T>::get(), Some(limits));
		Ok(())
	}

	impl_benchmark_test_suite!(
		BatchDeploy,
		crate::mock::ExtBuilder::default().build(),
		crate::mock::Test
	);
}
