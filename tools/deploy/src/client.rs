//! A node, over its RPC: the runtime's dry run of a batch (`BatchDeployApi::plan`).

use codec::{Decode, Encode};
use pallet_batch_deploy::{ContractSpecOf, DeploymentPlan, PlanError};
use pex_runtime::{AccountId, Runtime};
use sp_core::H160;
use subxt::rpcs::client::{rpc_params, RpcClient};

/// What went wrong talking to the node.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
	/// The node could not be reached, or its RPC answered with an error.
	#[error("rpc: {0}")]
	Rpc(String),
	/// The suite has more contracts than one batch of the runtime holds (splitting a suite into
	/// several batches is not supported yet).
	#[error("{contracts} contracts do not fit one batch of this runtime (at most {max})")]
	TooManyContracts {
		/// Contracts of the suite.
		contracts: usize,
		/// The runtime's bound.
		max: u32,
	},
	/// The node's answer is not what `pex-runtime` would answer (another runtime?).
	#[error("the node's answer to {method} does not decode: {reason}")]
	Decode {
		/// The runtime API method.
		method: &'static str,
		/// Why.
		reason: String,
	},
}

/// A connection to a `pex-node`.
pub struct DeployClient {
	rpc: RpcClient,
}

impl DeployClient {
	/// Connect to the node at `url` (`ws://127.0.0.1:9944`).
	pub async fn connect(url: &str) -> Result<Self, ClientError> {
		let rpc = RpcClient::from_insecure_url(url)
			.await
			.map_err(|error| ClientError::Rpc(format!("{url}: {error}")))?;
		Ok(Self { rpc })
	}

	/// The node's RPC client.
	pub fn rpc(&self) -> &RpcClient {
		&self.rpc
	}

	/// The runtime's plan of `batch_deploy(specs)` sent by `deployer`, at the best block: levels
	/// and predicted addresses, or why the pallet would refuse the batch. Changes nothing.
	pub async fn plan(
		&self,
		deployer: &AccountId,
		specs: &[ContractSpecOf<Runtime>],
	) -> Result<Result<DeploymentPlan<H160>, PlanError>, ClientError> {
		const METHOD: &str = "BatchDeployApi_plan";
		let args = (deployer, specs).encode();
		let answer: String = self
			.rpc
			.request("state_call", rpc_params![METHOD, format!("0x{}", hex(&args))])
			.await
			.map_err(|error| ClientError::Rpc(error.to_string()))?;
		let bytes = crate::artifact::decode_hex(&answer)
			.map_err(|reason| ClientError::Decode { method: METHOD, reason })?;
		Decode::decode(&mut &bytes[..])
			.map_err(|error| ClientError::Decode { method: METHOD, reason: error.to_string() })
	}
}

fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
