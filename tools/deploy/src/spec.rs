//! A resolved [`Suite`] as the pallet's `ContractSpec`s of `pex-runtime`, each within the
//! runtime's bounds.

use crate::suite::Suite;
use pallet_batch_deploy::{ContractSpecOf, DependencyRef};
use pex_runtime::Runtime;
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

/// The batch `batch_deploy` takes for `suite`: its contracts in suite order, dependencies by
/// index.
pub fn to_specs(suite: &Suite) -> Result<Vec<ContractSpecOf<Runtime>>, SpecError> {
	suite
		.contracts
		.iter()
		.map(|contract| {
			let name = contract.name.as_str();
			Ok(ContractSpecOf::<Runtime> {
				name: bounded(contract.name.as_bytes().to_vec(), name, "name")?,
				code: bounded(contract.code.clone(), name, "code")?,
				constructor_input: bounded(
					contract.constructor_input.clone(),
					name,
					"constructor input",
				)?,
				dependencies: bounded(
					contract.dependencies.iter().copied().map(DependencyRef::Index).collect(),
					name,
					"dependencies",
				)?,
				value: contract.value,
				salt: contract.salt,
			})
		})
		.collect()
}
