//! The runtime API through which clients dry-run a batch.

use crate::{DeploymentPlan, PlanError};
use alloc::vec::Vec;
use codec::Codec;

sp_api::decl_runtime_apis! {
	/// Dry runs of batch deployments, for clients (a deploy CLI shows the plan to its user).
	pub trait BatchDeployApi<AccountId, ContractSpec, Address> where
		AccountId: Codec,
		ContractSpec: Codec,
		Address: Codec,
	{
		/// The levels and addresses `batch_deploy(contracts)` by `deployer` would get now, or
		/// why the batch is invalid (a cycle with all its members). Changes no state.
		fn plan(
			deployer: AccountId,
			contracts: Vec<ContractSpec>,
		) -> Result<DeploymentPlan<Address>, PlanError>;
	}
}
