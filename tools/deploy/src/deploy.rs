//! Deploying a resolved suite: one signed `batch_deploy` of the whole suite, followed to
//! finality, and the report of what the chain did with each contract (from the pallet's events).

use crate::{client::ClientError, suite::Suite};
use codec::{Decode, Encode};
use pallet_batch_deploy::{ContractSpecOf, DeployMode};
use pex_runtime::{Runtime, RuntimeCall, RuntimeError, RuntimeEvent};
use serde::Serialize;
use sp_runtime::{traits::Get, BoundedVec, DispatchError};
use std::time::Instant;
use subxt::{
	config::DefaultExtrinsicParamsBuilder,
	rpcs::client::{rpc_params, RpcClient},
	OnlineClient, PolkadotConfig,
};
use subxt_signer::sr25519::Keypair;

/// What became of one contract (the REST response's shape).
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct Deployment {
	/// Its name.
	pub contract_name: String,
	/// `deployed`, or `failed`.
	pub status: &'static str,
	/// Its address (`0x`, 20 bytes), if deployed.
	pub contract_address: Option<String>,
	/// The extrinsic that carried it.
	pub transaction_hash: String,
	/// The block that included it.
	pub block_number: u64,
	/// Gas of this contract alone: not reported by the pallet, so always `None`; the batch's
	/// weight is the report's `weight_ref_time`.
	pub gas_used: Option<u64>,
	/// Why it failed, in words (the pallet's or the contract engine's error).
	pub error: Option<String>,
}

/// The report of a deployment (CLI and REST alike).
///
/// Invariant: `deployments` holds every contract of the suite once, in suite order;
/// `success_count + failed_count` is their number; `success` iff `failed_count == 0`.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct DeployReport {
	/// Whether every contract was deployed.
	pub success: bool,
	/// Each contract.
	pub deployments: Vec<Deployment>,
	/// Seconds from signing to finality.
	pub total_time: f64,
	/// The most contracts deployed side by side: the largest level of the suite.
	pub parallel_count: usize,
	/// Contracts deployed.
	pub success_count: usize,
	/// Contracts not deployed.
	pub failed_count: usize,
	/// Extrinsics sent.
	pub batches_deployed: usize,
	/// The batch's actual weight (`ref_time`), if it succeeded.
	pub weight_ref_time: Option<u64>,
}

fn client_error(error: impl std::fmt::Display) -> ClientError {
	ClientError::Rpc(error.to_string())
}

/// A dispatch error in words: the pallet and error, where the runtime knows them.
fn error_text(error: DispatchError) -> String {
	match RuntimeError::from_dispatch_error(error) {
		Some(error) => format!("{error:?}"),
		None => format!("{error:?}"),
	}
}

/// The call `batch_deploy(specs, mode)`, if the specs fit one batch of the runtime.
pub fn batch_call(
	specs: Vec<ContractSpecOf<Runtime>>,
	mode: DeployMode,
) -> Result<RuntimeCall, ClientError> {
	let contracts = BoundedVec::try_from(specs).map_err(|specs| ClientError::TooManyContracts {
		contracts: specs.len(),
		max: <Runtime as pallet_batch_deploy::Config>::MaxContracts::get(),
	})?;
	Ok(RuntimeCall::BatchDeploy(pallet_batch_deploy::Call::batch_deploy { contracts, mode }))
}

/// Sign `batch_deploy(specs, mode)` by `key`, submit it to the node at `rpc` and wait until it is
/// finalized; what the chain did with each contract of `suite`.
pub async fn deploy(
	rpc: &RpcClient,
	key: &Keypair,
	suite: &Suite,
	specs: Vec<ContractSpecOf<Runtime>>,
	mode: DeployMode,
) -> Result<DeployReport, ClientError> {
	let started = Instant::now();
	let count = specs.len();
	let call = batch_call(specs, mode)?;
	let api = OnlineClient::<PolkadotConfig>::from_rpc_client(rpc.clone())
		.await
		.map_err(client_error)?;
	let who = subxt::utils::AccountId32(key.public_key().0);
	let nonce: u64 = rpc
		.request("system_accountNextIndex", rpc_params![who.to_string()])
		.await
		.map_err(|error| ClientError::Rpc(error.to_string()))?;
	let at = api.at_current_block().await.map_err(client_error)?;
	let payload = at.tx().from_call_data_bytes(&call.encode()).map_err(client_error)?;
	let params = DefaultExtrinsicParamsBuilder::<PolkadotConfig>::new().nonce(nonce).build();
	let progress = at
		.tx()
		.create_signable_offline(&payload, params)
		.map_err(client_error)?
		.sign(key)
		.map_err(client_error)?
		.submit_and_watch()
		.await
		.map_err(client_error)?;
	let in_block = progress.wait_for_finalized().await.map_err(client_error)?;
	let transaction_hash = format!("{:?}", in_block.extrinsic_hash());
	let block_number =
		api.at_block(in_block.block_hash()).await.map_err(client_error)?.block_number();
	let events = in_block.fetch_events().await.map_err(client_error)?;

	let mut outcomes: Vec<Option<Result<String, String>>> = vec![None; count];
	let mut batch_failed = None;
	let mut weight_ref_time = None;
	for event in events.iter() {
		let event = event.map_err(client_error)?;
		let record =
			frame_system::EventRecord::<RuntimeEvent, sp_core::H256>::decode(&mut event.bytes())
				.map_err(|error| ClientError::Decode {
					method: "events",
					reason: error.to_string(),
				})?;
		match record.event {
			RuntimeEvent::BatchDeploy(pallet_batch_deploy::Event::ContractDeployed {
				index,
				address,
				..
			}) =>
				if let Some(slot) = outcomes.get_mut(index as usize) {
					*slot = Some(Ok(format!("{address:?}")));
				},
			RuntimeEvent::BatchDeploy(pallet_batch_deploy::Event::ContractFailed {
				index,
				error,
				..
			}) =>
				if let Some(slot) = outcomes.get_mut(index as usize) {
					*slot = Some(Err(error_text(error)));
				},
			RuntimeEvent::System(frame_system::Event::ExtrinsicFailed {
				dispatch_error, ..
			}) => batch_failed = Some(error_text(dispatch_error)),
			RuntimeEvent::System(frame_system::Event::ExtrinsicSuccess { dispatch_info }) =>
				weight_ref_time = Some(dispatch_info.weight.ref_time()),
			_ => {},
		}
	}
	let deployments: Vec<Deployment> = suite
		.contracts
		.iter()
		.zip(outcomes)
		.map(|(contract, outcome)| {
			let outcome = outcome.unwrap_or_else(|| {
				Err(batch_failed.clone().map_or_else(
					|| "no event of the batch names this contract".to_owned(),
					|error| format!("the batch failed, nothing was deployed: {error}"),
				))
			});
			let (status, contract_address, error) = match outcome {
				Ok(address) => ("deployed", Some(address), None),
				Err(error) => ("failed", None, Some(error)),
			};
			Deployment {
				contract_name: contract.name.clone(),
				status,
				contract_address,
				transaction_hash: transaction_hash.clone(),
				block_number,
				gas_used: None,
				error,
			}
		})
		.collect();
	let success_count = deployments.iter().filter(|d| d.status == "deployed").count();
	Ok(DeployReport {
		success: success_count == deployments.len(),
		failed_count: deployments.len() - success_count,
		success_count,
		deployments,
		total_time: started.elapsed().as_secs_f64(),
		parallel_count: suite.levels.iter().map(Vec::len).max().unwrap_or(0),
		batches_deployed: 1,
		weight_ref_time,
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_suite_larger_than_one_batch_is_refused_with_the_bound() {
		let max = <Runtime as pallet_batch_deploy::Config>::MaxContracts::get();
		let spec = |i: u32| ContractSpecOf::<Runtime> {
			name: BoundedVec::truncate_from(format!("C{i}").into_bytes()),
			code: BoundedVec::truncate_from(vec![0x60]),
			constructor_input: BoundedVec::new(),
			dependencies: BoundedVec::new(),
			value: 0,
			salt: [0; 32],
		};
		let fits: Vec<_> = (0..max).map(spec).collect();
		assert!(batch_call(fits, DeployMode::AllOrNothing).is_ok());
		let too_many: Vec<_> = (0..=max).map(spec).collect();
		assert!(matches!(
			batch_call(too_many, DeployMode::AllOrNothing),
			Err(ClientError::TooManyContracts { contracts, max: bound })
				if contracts == max as usize + 1 && bound == max
		));
	}
}
