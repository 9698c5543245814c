//! What the parallel block builder needs from this runtime: each extrinsic's access set, and the
//! block-wide storage items every extrinsic writes (hot keys) with their merge rules.
//!
//! Access sets name real storage keys: an account is its `System::Account` key, a contract its
//! pallet-revive keys. A call the runtime cannot describe claims all of storage, which conflicts
//! with everything, so it runs alone: the safe default.

use crate::{
	AccountId, Balances, BatchDeploy, ReviveDeployer, Runtime, RuntimeCall, System,
	UncheckedExtrinsic,
};
use alloc::{vec, vec::Vec};
use frame_support::{storage::storage_prefix, traits::PalletInfoAccess};
use pallet_batch_deploy::Deployer;
use pallet_revive::AddressMapper;
use pex_primitives::{
	AccessKey, AccessSet, BlockCapacity, ClassCapacity, ExtrinsicClass, ExtrinsicInfo, HotKey,
	KeyMatch, MergeRule,
};
use sp_runtime::{
	generic::Preamble, traits::StaticLookup, transaction_validity::InvalidTransaction,
	ApplyExtrinsicResult,
};

/// The storage key of `who`'s account (nonce, balances).
fn account_key(who: &AccountId) -> AccessKey {
	AccessKey::Storage(frame_system::Account::<Runtime>::hashed_key_for(who))
}

/// Claims all of storage: conflicts with every other access set.
fn everything() -> AccessSet {
	AccessSet::new().write(AccessKey::StoragePrefix(Vec::new()))
}

/// What `xt` may read and write when applied.
///
/// Signed transfers: the sender's and the destination's accounts. Batch deployments: what
/// `pallet_batch_deploy::Pallet::access_set` computes, and pallet-revive's account, which every
/// deployment pays its storage deposit to (so batches conflict with one another and form one
/// group, next to everything else). Calls into a revive contract: the signer
/// and the callee (the contract may touch more; the builder's validation catches it). Anything
/// else, inherents, sudo and Ethereum transactions (bare `Revive::eth_transact`, whose signer is
/// only known from its signature) included: all of storage.
pub fn access_set(xt: &UncheckedExtrinsic) -> AccessSet {
	let Preamble::Signed(address, _, _) = &xt.0.preamble else { return everything() };
	let Ok(signer) = <Runtime as frame_system::Config>::Lookup::lookup(address.clone()) else {
		return everything();
	};
	let signer_set = AccessSet::new().write(account_key(&signer));
	let lookup = |dest: &<<Runtime as frame_system::Config>::Lookup as StaticLookup>::Source| {
		<Runtime as frame_system::Config>::Lookup::lookup(dest.clone()).ok()
	};
	match &xt.0.function {
		RuntimeCall::Balances(
			pallet_balances::Call::transfer_allow_death { dest, .. } |
			pallet_balances::Call::transfer_keep_alive { dest, .. } |
			pallet_balances::Call::transfer_all { dest, .. },
		) => match lookup(dest) {
			Some(dest) => signer_set.write(account_key(&dest)),
			None => signer_set,
		},
		// pallet-revive holds every deployment's storage deposit in its own account.
		RuntimeCall::BatchDeploy(call) => BatchDeploy::access_set(&signer, call)
			.write(account_key(&pallet_revive::Pallet::<Runtime>::account_id())),
		RuntimeCall::Revive(pallet_revive::Call::call { dest, .. }) => {
			let callee = ReviveDeployer::address_storage_keys(dest);
			callee
				.into_iter()
				.fold(signer_set, |set, key| set.write(AccessKey::Storage(key)))
		},
		_ => everything(),
	}
}

/// The hot keys of this runtime, from the storage prefixes of its pallets (so an upgrade that
/// renames a pallet changes them too). See the "Hot keys" table of the pex architecture.
pub fn hot_keys() -> Vec<HotKey> {
	let system = System::name().as_bytes();
	let item = |pallet: &[u8], name: &[u8]| storage_prefix(pallet, name).to_vec();
	let exact = |key: Vec<u8>, rule| HotKey { key: KeyMatch::Exact(key), rule };
	let prefix = |key: Vec<u8>, rule| HotKey { key: KeyMatch::Prefix(key), rule };
	vec![
		exact(sp_core::storage::well_known_keys::EXTRINSIC_INDEX.to_vec(), MergeRule::Positional),
		exact(item(system, b"ExecutionPhase"), MergeRule::Positional),
		prefix(item(system, b"ExtrinsicData"), MergeRule::Positional),
		exact(item(system, b"Events"), MergeRule::Append),
		exact(item(system, b"EventCount"), MergeRule::SumU32),
		exact(item(system, b"BlockSize"), MergeRule::SumU32),
		exact(item(system, b"BlockWeight"), MergeRule::PerClassWeightSum),
		exact(item(Balances::name().as_bytes(), b"TotalIssuance"), MergeRule::SumU128),
		prefix(item(system, b"EventTopics"), MergeRule::Conflict),
		// The upgrade tests' next release declares one more: extrinsics only read the fee
		// multiplier (`on_finalize` writes it), so it merges nothing and conflicts with nothing.
		#[cfg(feature = "increment-spec-version")]
		exact(
			item(crate::TransactionPayment::name().as_bytes(), b"NextFeeMultiplier"),
			MergeRule::Conflict,
		),
	]
}

/// What the rest of the block may still use: frame-system's `BlockWeights` and `BlockLength`
/// minus `System::BlockWeight` and `System::BlockSize` (what `CheckWeight` compares).
pub fn block_capacity() -> BlockCapacity {
	use frame_support::dispatch::DispatchClass;
	let weights = <Runtime as frame_system::Config>::BlockWeights::get();
	let lengths = <Runtime as frame_system::Config>::BlockLength::get();
	let consumed = System::block_weight();
	let length = System::block_size();
	let class = |class: DispatchClass| {
		let limits = weights.get(class);
		ClassCapacity {
			weight: limits
				.max_total
				.unwrap_or(weights.max_block)
				.saturating_sub(*consumed.get(class)),
			base_extrinsic: limits.base_extrinsic,
			length: lengths.max.get(class).saturating_sub(length),
		}
	};
	BlockCapacity {
		normal: class(DispatchClass::Normal),
		operational: class(DispatchClass::Operational),
		total_weight: weights.max_block.saturating_sub(consumed.total()),
	}
}

/// Make the next extrinsic applied the block's `index`th: what frame-system's
/// `note_applied_extrinsic` leaves after extrinsic `index - 1` (the extrinsic index and
/// `System::ExecutionPhase`, whose storage item frame-system keeps private).
fn start_extrinsics_at(index: u32) {
	frame_support::storage::unhashed::put(
		sp_core::storage::well_known_keys::EXTRINSIC_INDEX,
		&index,
	);
	frame_support::storage::unhashed::put(
		&storage_prefix(System::name().as_bytes(), b"ExecutionPhase"),
		&frame_system::Phase::ApplyExtrinsic(index),
	);
}

/// Access set, weight, class and length of each extrinsic.
pub fn describe(extrinsics: &[UncheckedExtrinsic]) -> Vec<ExtrinsicInfo> {
	use codec::Encode;
	use frame_support::dispatch::{DispatchClass, GetDispatchInfo};
	extrinsics
		.iter()
		.map(|xt| {
			let info = xt.get_dispatch_info();
			let weight = match &xt.0.function {
				RuntimeCall::Revive(pallet_revive::Call::eth_transact { payload }) =>
					eth_transaction_weight(payload),
				_ => info.total_weight(),
			};
			ExtrinsicInfo {
				access: access_set(xt),
				weight,
				class: match info.class {
					DispatchClass::Normal => ExtrinsicClass::Normal,
					DispatchClass::Operational => ExtrinsicClass::Operational,
					DispatchClass::Mandatory => ExtrinsicClass::Mandatory,
				},
				length: xt.encoded_size() as u32,
			}
		})
		.collect()
}

/// The weight an Ethereum transaction (`Revive::eth_transact(payload)`) books once applied,
/// without the block's base weight per extrinsic (as [`describe`] gives every weight).
///
/// `eth_transact` itself declares `Weight::MAX`: it is only the wrapper the runtime turns into
/// the call the payload asks for, whose weight follows from the transaction's gas limit.
/// pallet-revive computes that weight as the executive will book it. A payload it cannot read
/// (not a signed transaction, another chain's, ...) weighs nothing here: the builder then tries
/// it, the runtime refuses it, and the pool drops it.
fn eth_transaction_weight(payload: &[u8]) -> frame_support::weights::Weight {
	use frame_support::dispatch::DispatchClass;
	let base = <Runtime as frame_system::Config>::BlockWeights::get()
		.get(DispatchClass::Normal)
		.base_extrinsic;
	crate::Revive::eth_pre_dispatch_weight(payload.to_vec())
		.map(|weight| weight.saturating_sub(base))
		.unwrap_or_default()
}

/// Apply `extrinsics` as the block's extrinsics from `first_index` on, each in a storage
/// transaction kept only if the extrinsic was not refused (what a block builder's client does
/// around `BlockBuilder::apply_extrinsic`).
pub fn apply_extrinsics(
	first_index: u32,
	extrinsics: Vec<UncheckedExtrinsic>,
) -> Vec<ApplyExtrinsicResult> {
	use frame_support::storage::{with_transaction, TransactionOutcome};
	start_extrinsics_at(first_index);
	extrinsics
		.into_iter()
		.map(|xt| {
			let applied = with_transaction(|| {
				let result = crate::Executive::apply_extrinsic(xt);
				let keep = result.is_ok();
				let result = Ok::<_, sp_runtime::DispatchError>(result);
				if keep {
					TransactionOutcome::Commit(result)
				} else {
					TransactionOutcome::Rollback(result)
				}
			});
			// `with_transaction` fails only beyond its nesting limit, which one level never
			// reaches; should it, the extrinsic is refused, not the block.
			applied.unwrap_or(Err(InvalidTransaction::ExhaustsResources.into()))
		})
		.collect()
}

/// The storage keys of the account a revive contract address maps to.
pub(crate) fn contract_account_keys(address: &pallet_revive::H160) -> Vec<Vec<u8>> {
	let account = <Runtime as pallet_revive::Config>::AddressMapper::to_account_id(address);
	vec![frame_system::Account::<Runtime>::hashed_key_for(&account)]
}
