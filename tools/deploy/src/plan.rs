//! What `pex-deploy plan` shows: the levels, each contract's predicted address, dependencies and
//! bound parameters, from the runtime's dry run; or the runtime's objection in words.

use crate::suite::Suite;
use pallet_batch_deploy::{DeploymentPlan, PlanError};
use serde::Serialize;
use sp_core::H160;

/// The plan of a suite, by contract name.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct PlanReport {
	/// Contract names, level by level: a level depends only on earlier ones.
	pub levels: Vec<Vec<String>>,
	/// Every contract, in batch order.
	pub contracts: Vec<PlannedContract>,
}

/// One contract of a [`PlanReport`].
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct PlannedContract {
	/// Its name.
	pub contract_name: String,
	/// The address the runtime predicts for it (`0x`, 20 bytes).
	pub contract_address: String,
	/// The contracts deployed before it.
	pub dependencies: Vec<String>,
	/// Bytes of creation code.
	pub code_bytes: usize,
	/// Bytes of constructor input (placeholders included).
	pub input_bytes: usize,
}

/// The report of `plan` (the runtime's) for `suite`.
pub fn report(suite: &Suite, plan: &DeploymentPlan<H160>) -> PlanReport {
	let name = |index: &u32| {
		suite
			.contracts
			.get(*index as usize)
			.map_or_else(|| format!("#{index}"), |c| c.name.clone())
	};
	PlanReport {
		levels: plan.levels.iter().map(|level| level.iter().map(name).collect()).collect(),
		contracts: suite
			.contracts
			.iter()
			.enumerate()
			.map(|(index, contract)| PlannedContract {
				contract_name: contract.name.clone(),
				contract_address: plan
					.addresses
					.get(index)
					.map_or_else(String::new, |address| format!("{address:?}")),
				dependencies: plan
					.dependencies
					.get(index)
					.map(|dependencies| dependencies.iter().map(name).collect())
					.unwrap_or_default(),
				code_bytes: contract.code.len(),
				input_bytes: contract.constructor_input.len(),
			})
			.collect(),
	}
}

/// The runtime's objection to a batch, its contracts named.
pub fn plan_error_text(error: &PlanError, suite: &Suite) -> String {
	let name = |index: &u32| {
		suite
			.contracts
			.get(*index as usize)
			.map_or_else(|| format!("#{index}"), |c| format!("`{}`", c.name))
	};
	match error {
		PlanError::EmptyBatch => "the batch holds no contract".into(),
		PlanError::TooManyContracts =>
			"the batch holds more contracts than the runtime allows".into(),
		PlanError::EmptyName(i) => format!("contract {} has an empty name", name(i)),
		PlanError::NameTooLong(i) => format!("contract {}: its name is too long", name(i)),
		PlanError::CodeTooLarge(i) =>
			format!("contract {}: its code is larger than the runtime allows", name(i)),
		PlanError::InputTooLarge(i) =>
			format!("contract {}: its constructor input is larger than the runtime allows", name(i)),
		PlanError::TooManyDependencies(i) =>
			format!("contract {} has more dependencies than the runtime allows", name(i)),
		PlanError::DuplicateName(i) => format!("contract {}: an earlier one has its name", name(i)),
		PlanError::UnknownDependency(i) =>
			format!("contract {} depends on a contract not in the batch", name(i)),
		PlanError::SelfDependency(i) => format!("contract {} depends on itself", name(i)),
		PlanError::DependencyCycle(members) => format!(
			"dependency cycle: {}",
			members.iter().chain(members.first()).map(name).collect::<Vec<_>>().join(" -> ")
		),
		PlanError::BadPlaceholder(i) => format!(
			"contract {}: its constructor input names a contract it does not depend on",
			name(i)
		),
		PlanError::DuplicateAddress(i) => format!(
			"contract {} would get the address of an earlier contract of the batch (same code, \
			 input and salt): give it another salt",
			name(i)
		),
	}
}
