//! What `pex-deploy plan` shows: the levels, each contract's predicted address, dependencies and
//! bound parameters, the extrinsics that would be sent with their weight and fee (all checked by
//! the runtime's dry run); or the runtime's objection in words.

use crate::prepare::Prepared;
use pallet_batch_deploy::PlanError;
use serde::Serialize;

/// The plan of a suite, by contract name.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct PlanReport {
	/// Contract names, level by level: a level depends only on earlier ones.
	pub levels: Vec<Vec<String>>,
	/// Every contract, in suite order.
	pub contracts: Vec<PlannedContract>,
	/// `batch`, `sequential` or `pipelined`.
	pub strategy: &'static str,
	/// The extrinsics that would be sent, in order.
	pub extrinsics: Vec<PlannedExtrinsic>,
	/// The fees of all of them (before tips), in the chain's smallest unit.
	pub total_fee: u128,
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

/// One extrinsic of a [`PlanReport`]: a `batch_deploy` of some contracts.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct PlannedExtrinsic {
	/// Its contracts, in batch order.
	pub contracts: Vec<String>,
	/// Its declared weight, `ref_time` (picoseconds of the reference machine).
	pub weight_ref_time: u64,
	/// Its declared weight, `proof_size` (bytes).
	pub weight_proof_size: u64,
	/// Its fee before tips, in the chain's smallest unit.
	pub fee: u128,
}

/// The report of `prepared`.
pub fn report(prepared: &Prepared) -> PlanReport {
	let suite = &prepared.suite;
	let name = |index: &u32| suite.contracts[*index as usize].name.clone();
	let extrinsics: Vec<PlannedExtrinsic> = prepared
		.batches
		.iter()
		.zip(&prepared.costs)
		.map(|(batch, cost)| PlannedExtrinsic {
			contracts: batch.iter().map(name).collect(),
			weight_ref_time: cost.ref_time,
			weight_proof_size: cost.proof_size,
			fee: cost.partial_fee,
		})
		.collect();
	PlanReport {
		levels: suite.levels.iter().map(|level| level.iter().map(name).collect()).collect(),
		contracts: suite
			.contracts
			.iter()
			.zip(&prepared.addresses)
			.map(|(contract, address)| PlannedContract {
				contract_name: contract.name.clone(),
				contract_address: format!("{address:?}"),
				dependencies: contract.dependencies.iter().map(name).collect(),
				code_bytes: contract.code.len(),
				input_bytes: contract.constructor_input.len(),
			})
			.collect(),
		strategy: prepared.strategy.name(),
		total_fee: extrinsics.iter().map(|extrinsic| extrinsic.fee).sum(),
		extrinsics,
	}
}

/// The runtime's objection to a batch whose contracts are named `names` (in batch order).
pub fn plan_error_text(error: &PlanError, names: &[String]) -> String {
	let name = |index: &u32| {
		names
			.get(*index as usize)
			.map_or_else(|| format!("#{index}"), |name| format!("`{name}`"))
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
		PlanError::BatchCodeTooLarge =>
			"the batch's contracts together hold more code than the runtime allows: split the \
			 batch"
				.into(),
	}
}
