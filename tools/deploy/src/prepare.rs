//! A suite made ready to send: resolved, split into extrinsics by the strategy, every address
//! predicted, and every extrinsic checked by the runtime's dry run and priced by the runtime.
//! Nothing is sent.

use crate::{
	batches::{split, Strategy},
	client::{DeployClient, DispatchCost},
	deploy::batch_call,
	plan::plan_error_text,
	resolve,
	spec::{batch_specs, predict_addresses},
	CompiledContract, ContractRequest, Error, Suite,
};
use pallet_batch_deploy::{ContractSpecOf, DeployMode};
use pex_primitives::NodeIndex;
use pex_runtime::Runtime;
use sp_core::H160;
use subxt_signer::sr25519::Keypair;

/// A suite ready to send.
///
/// Invariants: `batches` is [`split`] of `suite` by `strategy`; `specs[i]` and `costs[i]` belong
/// to `batches[i]`; `addresses` (indexed like `suite.contracts`) are what the runtime's dry run
/// predicts for every batch.
#[derive(Clone, Debug)]
pub struct Prepared {
	/// The suite.
	pub suite: Suite,
	/// How it is sent.
	pub strategy: Strategy,
	/// Suite indices per extrinsic, in sending order.
	pub batches: Vec<Vec<NodeIndex>>,
	/// The `batch_deploy` contracts of each extrinsic.
	pub specs: Vec<Vec<ContractSpecOf<Runtime>>>,
	/// Each contract's address.
	pub addresses: Vec<H160>,
	/// Each extrinsic's weight and fee, as the runtime would charge them now.
	pub costs: Vec<DispatchCost>,
}

/// The key a secret URI (`//Alice`, a mnemonic, ...) names.
pub fn keypair(suri: &str) -> Result<Keypair, Error> {
	use std::str::FromStr;
	let uri = subxt_signer::SecretUri::from_str(suri.trim()).map_err(|_| Error::Key)?;
	Keypair::from_uri(&uri).map_err(|_| Error::Key)
}

/// Resolve `requests` over `artifacts`, split the suite by `strategy`, and have the runtime of
/// `client`'s node check and price every extrinsic as `key` would send it in `mode`.
pub async fn prepare(
	client: &DeployClient,
	key: &Keypair,
	requests: &[ContractRequest],
	artifacts: &[CompiledContract],
	strategy: Strategy,
	mode: DeployMode,
) -> Result<Prepared, Error> {
	let suite = resolve(requests, artifacts)?;
	let deployer = pex_runtime::AccountId::from(key.public_key().0);
	let addresses = predict_addresses(&suite, &deployer);
	let batches = split(&suite, strategy);
	let nonce = client.next_nonce(&deployer).await?;
	let mut specs = Vec::with_capacity(batches.len());
	let mut costs = Vec::with_capacity(batches.len());
	for batch in &batches {
		let batch_specs = batch_specs(&suite, batch, &addresses)?;
		let names: Vec<String> = batch
			.iter()
			.map(|&index| suite.contracts[index as usize].name.clone())
			.collect();
		let plan = client
			.plan(&deployer, &batch_specs)
			.await?
			.map_err(|error| Error::Refused(plan_error_text(&error, &names)))?;
		for (position, &index) in batch.iter().enumerate() {
			let runtime = plan.addresses.get(position).copied();
			if runtime != Some(addresses[index as usize]) {
				return Err(Error::AddressMismatch {
					contract: names[position].clone(),
					runtime: runtime.map_or_else(|| "none".into(), |a| format!("{a:?}")),
					tool: format!("{:?}", addresses[index as usize]),
				})
			}
		}
		let call = batch_call(batch_specs.clone(), mode)?;
		// The fee does not depend on the nonce; the extrinsic is only priced, never sent.
		let extrinsic = client.sign(key, &call, nonce).await?;
		costs.push(client.cost(&extrinsic).await?);
		specs.push(batch_specs);
	}
	Ok(Prepared { suite, strategy, batches, specs, addresses, costs })
}
