//! A resolved [`Suite`] as the pallet's `ContractSpec`s of `pex-runtime`, each within the
//! runtime's bounds; the addresses its contracts will get; and the specs of one batch of a suite
//! deployed in several.
//!
//! Placeholders name contracts by their position in the batch. When a suite is split, a batch's
//! placeholders for contracts of its own batch are renumbered to their positions there, and those
//! for contracts of earlier batches are replaced by the addresses those got. Addresses are CREATE2
//! over the constructor input after that replacement, so every split of a suite gives each
//! contract the same address as one batch of the whole suite.

use crate::suite::Suite;
use pallet_batch_deploy::{
	placeholder::{placeholder, substitute, PLACEHOLDER_LEN},
	ContractSpecOf, DependencyRef, Deployer,
};
use pex_primitives::NodeIndex;
use pex_runtime::{AccountId, ReviveDeployer, Runtime};
use sp_core::H160;
use sp_runtime::BoundedVec;

/// A contract of the suite exceeds one of the runtime's bounds.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[error("contract `{contract}`: its {field} has {len} entries, more than the runtime's {max}")]
pub struct SpecError {
	/// The contract.
	pub contract: String,
	/// Which field: `name`, `code`, `constructor input` or `dependencies`.
	pub field: &'static str,
	/// Its length.
	pub len: usize,
	/// The runtime's bound.
	pub max: usize,
}

/// `items` as a bounded vector, or the [`SpecError`] of `contract`'s `field`.
fn bounded<T, S: sp_runtime::traits::Get<u32>>(
	items: Vec<T>,
	contract: &str,
	field: &'static str,
) -> Result<BoundedVec<T, S>, SpecError> {
	let len = items.len();
	BoundedVec::try_from(items).map_err(|_| SpecError {
		contract: contract.to_owned(),
		field,
		len,
		max: S::get() as usize,
	})
}

/// The address each contract of `suite` gets when `deployer` deploys it (indexed like
/// `suite.contracts`): CREATE2 over its code, its constructor input with every placeholder
/// replaced by the address of the contract it names, and its salt.
pub fn predict_addresses(suite: &Suite, deployer: &AccountId) -> Vec<H160> {
	let mut addresses = vec![H160::zero(); suite.contracts.len()];
	for &index in suite.levels.iter().flatten() {
		let contract = &suite.contracts[index as usize];
		let input = rewrite(&contract.constructor_input, |dependency| {
			ReviveDeployer::address_word(&addresses[dependency as usize])
		});
		addresses[index as usize] =
			ReviveDeployer::predict_address(deployer, &contract.code, &input, &contract.salt);
	}
	addresses
}

/// `input` with each placeholder replaced by `word(index)` of the contract it names (the
/// pallet's own substitution, with a word for every index).
fn rewrite(input: &[u8], word: impl Fn(NodeIndex) -> [u8; PLACEHOLDER_LEN]) -> Vec<u8> {
	substitute(input, |index| Some(word(index))).unwrap_or_else(|| input.to_vec())
}

/// The batch `batch_deploy` takes for the contracts `batch` of `suite` (suite indices, in batch
/// order), given the `addresses` of [`predict_addresses`].
///
/// Invariant: every dependency of a contract of `batch` is either in `batch` (then it stays a
/// dependency, by its position in the batch) or was deployed by an earlier batch (then its
/// placeholders become its address and it is no dependency of this batch). For the whole suite
/// in suite order this is the suite itself, dependencies by index.
pub fn batch_specs(
	suite: &Suite,
	batch: &[NodeIndex],
	addresses: &[H160],
) -> Result<Vec<ContractSpecOf<Runtime>>, SpecError> {
	let position = |index: NodeIndex| batch.iter().position(|&member| member == index);
	batch
		.iter()
		.map(|&index| {
			let contract = &suite.contracts[index as usize];
			let name = contract.name.as_str();
			let input =
				rewrite(&contract.constructor_input, |dependency| match position(dependency) {
					Some(at) => placeholder(at as u32),
					None => ReviveDeployer::address_word(&addresses[dependency as usize]),
				});
			let dependencies = contract
				.dependencies
				.iter()
				.filter_map(|&dependency| position(dependency))
				.map(|at| DependencyRef::Index(at as u32))
				.collect();
			Ok(ContractSpecOf::<Runtime> {
				name: bounded(contract.name.as_bytes().to_vec(), name, "name")?,
				code: bounded(contract.code.clone(), name, "code")?,
				constructor_input: bounded(input, name, "constructor input")?,
				dependencies: bounded(dependencies, name, "dependencies")?,
				value: contract.value,
				salt: contract.salt,
			})
		})
		.collect()
}

/// The batch `batch_deploy` takes for the whole `suite`: its contracts in suite order,
/// dependencies by index.
pub fn to_specs(suite: &Suite) -> Result<Vec<ContractSpecOf<Runtime>>, SpecError> {
	let all: Vec<NodeIndex> = (0..suite.contracts.len() as NodeIndex).collect();
	batch_specs(suite, &all, &[])
}
