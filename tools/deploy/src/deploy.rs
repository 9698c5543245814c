//! Deploying a prepared suite: its extrinsics signed and sent as the strategy says, followed to
//! finality, and the report of what the chain did with each contract (from the pallet's events).
//!
//! Batches and sequential extrinsics are sent one after another, each once the previous one is in
//! a block, so a failure stops what depends on it: in all-or-nothing mode nothing after a failed
//! extrinsic is sent (contracts already in earlier blocks stay deployed; they are reported as
//! deployed), in best-effort mode the contracts whose dependencies failed are not sent and the
//! rest are. Pipelined extrinsics are all sent at once, with consecutive nonces, and cannot be
//! stopped.

use crate::{
	batches::Strategy,
	client::{rpc_error, ClientError, DeployClient},
	prepare::Prepared,
	spec::batch_specs,
	Error,
};
use codec::Decode;
use pallet_batch_deploy::{ContractSpecOf, DeployMode};
use pex_primitives::NodeIndex;
use pex_runtime::{Runtime, RuntimeCall, RuntimeError, RuntimeEvent};
use serde::Serialize;
use sp_runtime::{traits::Get, BoundedVec, DispatchError};
use std::{collections::BTreeSet, time::Instant};
use subxt::{
	transactions::{TransactionInBlock, TransactionProgress, TransactionStatus},
	PolkadotConfig,
};
use subxt_signer::sr25519::Keypair;

/// What became of one contract (the REST response's shape).
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct Deployment {
	/// Its name.
	pub contract_name: String,
	/// `deployed`, `failed` or `not_sent`.
	pub status: &'static str,
	/// Its address (`0x`, 20 bytes), if deployed.
	pub contract_address: Option<String>,
	/// The extrinsic that carried it, if it was sent.
	pub transaction_hash: Option<String>,
	/// The block that included it, if it was sent.
	pub block_number: Option<u64>,
	/// Gas of this contract's deployment alone, if deployed: pallet-revive's Ethereum gas of
	/// its weight and storage deposit at the chain's gas price (what a wallet's receipt of the
	/// same deployment would show, without the extrinsic's own base and length fee).
	pub gas_used: Option<u64>,
	/// Why it was not deployed, in words (the pallet's or the contract engine's error).
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
	/// Seconds from sending the first extrinsic until the last one was finalized.
	pub total_time: f64,
	/// The most contracts deployed by one extrinsic.
	pub parallel_count: usize,
	/// Contracts deployed.
	pub success_count: usize,
	/// Contracts not deployed (failed or not sent).
	pub failed_count: usize,
	/// Extrinsics sent.
	pub batches_deployed: usize,
	/// Blocks that included them.
	pub blocks_used: usize,
	/// `batch`, `sequential` or `pipelined`.
	pub strategy: &'static str,
	/// The actual weight (`ref_time`) of the extrinsics that succeeded, summed.
	pub weight_ref_time: Option<u64>,
}

/// Where a deployment stands: reported as it goes (a progress bar, the REST status).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Progress {
	/// Extrinsic `extrinsic` (0-based, of `of`) was sent.
	Sent {
		/// Which.
		extrinsic: usize,
		/// Of how many.
		of: usize,
	},
	/// Extrinsic `extrinsic` is in block `block`.
	Included {
		/// Which.
		extrinsic: usize,
		/// The block's number.
		block: u64,
	},
	/// Extrinsic `extrinsic` is finalized.
	Finalized {
		/// Which.
		extrinsic: usize,
	},
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

type Watch =
	TransactionProgress<PolkadotConfig, subxt::client::OnlineClientAtBlockImpl<PolkadotConfig>>;
type InBlock =
	TransactionInBlock<PolkadotConfig, subxt::client::OnlineClientAtBlockImpl<PolkadotConfig>>;

/// Wait until the watched extrinsic is in a block (`finalized` false) or finalized.
async fn wait(watch: &mut Watch, finalized: bool) -> Result<InBlock, ClientError> {
	while let Some(status) = watch.next().await {
		match status.map_err(rpc_error)? {
			TransactionStatus::InBestBlock(in_block) if !finalized => return Ok(in_block),
			TransactionStatus::InFinalizedBlock(in_block) => return Ok(in_block),
			TransactionStatus::Error { message } |
			TransactionStatus::Invalid { message } |
			TransactionStatus::Dropped { message } =>
				return Err(ClientError::Rpc(format!("the node dropped the extrinsic: {message}"))),
			_ => {},
		}
	}
	Err(ClientError::Rpc("the node stopped reporting on the extrinsic".into()))
}

/// A contract the chain deployed, as its `ContractDeployed` event tells.
#[derive(Clone)]
struct Deployed {
	/// Its address (`0x`, 20 bytes).
	address: String,
	/// The engine's gas of its deployment (pallet-revive: Ethereum gas, weight and deposit).
	gas_used: u64,
}

/// What one extrinsic did.
struct Landed {
	/// Its hash.
	hash: String,
	/// Its block's hash and number.
	block: (sp_core::H256, u64),
	/// Per contract of the extrinsic (batch positions): what was deployed, or why it failed.
	outcomes: Vec<Result<Deployed, String>>,
	/// Its actual `ref_time`, if it succeeded.
	weight: Option<u64>,
}

/// The events of the extrinsic in `in_block` read as the outcomes of its `contracts` contracts.
async fn landed(
	client: &DeployClient,
	in_block: &InBlock,
	contracts: usize,
) -> Result<Landed, ClientError> {
	let block_hash = in_block.block_hash();
	let number = client.api().at_block(block_hash).await.map_err(rpc_error)?.block_number();
	let events = in_block.fetch_events().await.map_err(rpc_error)?;
	let mut outcomes: Vec<Option<Result<Deployed, String>>> = vec![None; contracts];
	let mut failed = None;
	let mut weight = None;
	for event in events.iter() {
		let event = event.map_err(rpc_error)?;
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
				gas_used,
				..
			}) =>
				if let Some(slot) = outcomes.get_mut(index as usize) {
					*slot = Some(Ok(Deployed { address: format!("{address:?}"), gas_used }));
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
			}) => failed = Some(error_text(dispatch_error)),
			RuntimeEvent::System(frame_system::Event::ExtrinsicSuccess { dispatch_info }) =>
				weight = Some(dispatch_info.weight.ref_time()),
			_ => {},
		}
	}
	let outcomes = outcomes
		.into_iter()
		.map(|outcome| {
			outcome.unwrap_or_else(|| {
				Err(failed.clone().map_or_else(
					|| "no event of the batch names this contract".to_owned(),
					|error| format!("the extrinsic failed, nothing in it was deployed: {error}"),
				))
			})
		})
		.collect();
	Ok(Landed {
		hash: format!("{:?}", in_block.extrinsic_hash()),
		block: (block_hash, number),
		outcomes,
		weight,
	})
}

/// Deploy `prepared` in `mode`, signed by `key`: send its extrinsics as its strategy says,
/// wait until they are finalized, and report what became of each contract. `progress` hears of
/// every step.
pub async fn deploy(
	client: &DeployClient,
	key: &Keypair,
	prepared: &Prepared,
	mode: DeployMode,
	mut progress: impl FnMut(Progress),
) -> Result<DeployReport, Error> {
	let suite = &prepared.suite;
	let count = prepared.batches.len();
	let deployer = pex_runtime::AccountId::from(key.public_key().0);
	// Pipelined extrinsics are signed ahead with consecutive nonces (a `batch_deploy` moves the
	// deployer's nonce by one); the others once the previous one is in a block, with the nonce
	// the node gives then.
	let mut pipelined_nonce = client.next_nonce(&deployer).await?;
	let started = Instant::now();
	let mut not_sent: Vec<Option<String>> = vec![None; suite.contracts.len()];
	let mut watches: Vec<(usize, Watch)> = Vec::new();
	let mut landed_in: Vec<Option<Landed>> = (0..count).map(|_| None).collect();
	let mut stopped: Option<String> = None;
	let mut failed: BTreeSet<NodeIndex> = BTreeSet::new();

	// Per extrinsic: the contracts it carried (suite indices, in batch order).
	let mut carried: Vec<Vec<NodeIndex>> = vec![Vec::new(); count];

	for (at, batch) in prepared.batches.iter().enumerate() {
		// What of this batch may be sent, given what failed before.
		let mut sendable = Vec::with_capacity(batch.len());
		for &index in batch {
			let reason = stopped.clone().or_else(|| {
				suite.contracts[index as usize]
					.dependencies
					.iter()
					.find(|dependency| failed.contains(dependency))
					.map(|&dependency| {
						let name = &suite.contracts[dependency as usize].name;
						format!("not sent: its dependency `{name}` was not deployed")
					})
			});
			match reason {
				Some(reason) => {
					failed.insert(index);
					not_sent[index as usize] = Some(reason);
				},
				None => sendable.push(index),
			}
		}
		if sendable.is_empty() {
			continue
		}
		let specs = if sendable.len() == batch.len() {
			prepared.specs[at].clone()
		} else {
			batch_specs(suite, &sendable, &prepared.addresses)?
		};
		let call = batch_call(specs, mode)?;
		let nonce = match prepared.strategy {
			Strategy::Pipelined => pipelined_nonce,
			_ => client.next_nonce(&deployer).await?,
		};
		pipelined_nonce += 1;
		let extrinsic = client.sign(key, &call, nonce).await?;
		let at_block = client.api().at_current_block().await.map_err(rpc_error)?;
		let mut watch = at_block
			.tx()
			.from_bytes(extrinsic)
			.submit_and_watch()
			.await
			.map_err(rpc_error)?;
		progress(Progress::Sent { extrinsic: at, of: count });
		if prepared.strategy != Strategy::Pipelined {
			let in_block = wait(&mut watch, false).await?;
			let landed = landed(client, &in_block, sendable.len()).await?;
			progress(Progress::Included { extrinsic: at, block: landed.block.1 });
			for (&index, outcome) in sendable.iter().zip(&landed.outcomes) {
				if outcome.is_err() {
					failed.insert(index);
					if mode == DeployMode::AllOrNothing {
						stopped = Some(format!(
							"not sent: `{}` failed earlier",
							suite.contracts[index as usize].name
						));
					}
				}
			}
			landed_in[at] = Some(landed);
		}
		carried[at] = sendable;
		watches.push((at, watch));
	}
	for (at, mut watch) in watches {
		let in_block = wait(&mut watch, true).await?;
		let contracts = &carried[at];
		let known = landed_in[at].as_ref().is_some_and(|l| l.block.0 == in_block.block_hash());
		if !known {
			let landed = landed(client, &in_block, contracts.len()).await?;
			if prepared.strategy == Strategy::Pipelined {
				progress(Progress::Included { extrinsic: at, block: landed.block.1 });
			}
			landed_in[at] = Some(landed);
		}
		progress(Progress::Finalized { extrinsic: at });
	}
	// Per contract: the extrinsic that carried it (and landed) and its outcome there.
	let mut results: Vec<Option<(&Landed, &Result<Deployed, String>)>> =
		vec![None; suite.contracts.len()];
	for (contracts, landed) in carried.iter().zip(&landed_in) {
		if let Some(landed) = landed {
			for (&index, outcome) in contracts.iter().zip(&landed.outcomes) {
				results[index as usize] = Some((landed, outcome));
			}
		}
	}
	let total_time = started.elapsed().as_secs_f64();

	let deployments: Vec<Deployment> = suite
		.contracts
		.iter()
		.enumerate()
		.map(|(index, contract)| {
			let sent = results[index].map(|(landed, outcome)| (landed, outcome.clone()));
			let (status, deployed, error, transaction_hash, block_number) = match sent {
				Some((landed, Ok(deployed))) => (
					"deployed",
					Some(deployed),
					None,
					Some(landed.hash.clone()),
					Some(landed.block.1),
				),
				Some((landed, Err(error))) =>
					("failed", None, Some(error), Some(landed.hash.clone()), Some(landed.block.1)),
				None => (
					"not_sent",
					None,
					Some(not_sent[index].clone().unwrap_or_else(|| "not sent".into())),
					None,
					None,
				),
			};
			Deployment {
				contract_name: contract.name.clone(),
				status,
				contract_address: deployed.as_ref().map(|deployed| deployed.address.clone()),
				transaction_hash,
				block_number,
				gas_used: deployed.map(|deployed| deployed.gas_used),
				error,
			}
		})
		.collect();
	let sent: Vec<&Landed> = landed_in.iter().flatten().collect();
	let blocks: BTreeSet<u64> = sent.iter().map(|landed| landed.block.1).collect();
	let weights: Vec<u64> = sent.iter().filter_map(|landed| landed.weight).collect();
	let success_count = deployments.iter().filter(|d| d.status == "deployed").count();
	Ok(DeployReport {
		success: success_count == deployments.len(),
		failed_count: deployments.len() - success_count,
		success_count,
		deployments,
		total_time,
		parallel_count: prepared.batches.iter().map(Vec::len).max().unwrap_or(0),
		batches_deployed: sent.len(),
		blocks_used: blocks.len(),
		strategy: prepared.strategy.name(),
		weight_ref_time: (!weights.is_empty()).then(|| weights.iter().sum()),
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
