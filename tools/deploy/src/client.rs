//! A node, over its RPC: the runtime's dry run of a batch (`BatchDeployApi::plan`), the weight
//! and fee of an extrinsic (`TransactionPaymentApi::query_info`), signing and nonces.

use codec::{Decode, Encode};
use pallet_batch_deploy::{ContractSpecOf, DeploymentPlan, PlanError};
use pex_runtime::{AccountId, Runtime, RuntimeCall};
use sp_core::H160;
use subxt::{
	config::DefaultExtrinsicParamsBuilder,
	rpcs::client::{rpc_params, RpcClient},
	OnlineClient, PolkadotConfig,
};
use subxt_signer::sr25519::Keypair;

/// What went wrong talking to the node.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
	/// The node could not be reached, or its RPC answered with an error.
	#[error("rpc: {0}")]
	Rpc(String),
	/// More contracts than one batch of the runtime holds.
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

/// `error` as a [`ClientError::Rpc`].
pub(crate) fn rpc_error(error: impl std::fmt::Display) -> ClientError {
	ClientError::Rpc(error.to_string())
}

/// Weight and fee of an extrinsic, as the runtime would charge it at the best block.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Decode)]
pub struct DispatchCost {
	/// Its weight's `ref_time` (picoseconds of the reference machine), as declared.
	#[codec(compact)]
	pub ref_time: u64,
	/// Its weight's `proof_size` (bytes).
	#[codec(compact)]
	pub proof_size: u64,
	/// Its dispatch class (0 normal, 1 operational, 2 mandatory).
	pub class: u8,
	/// The fee before tips, in the chain's smallest unit.
	pub partial_fee: u128,
}

/// A connection to a `pex-node`.
pub struct DeployClient {
	rpc: RpcClient,
	api: OnlineClient<PolkadotConfig>,
}

impl DeployClient {
	/// Connect to the node at `url` (`ws://127.0.0.1:9944`).
	pub async fn connect(url: &str) -> Result<Self, ClientError> {
		let rpc = RpcClient::from_insecure_url(url)
			.await
			.map_err(|error| ClientError::Rpc(format!("{url}: {error}")))?;
		let api = OnlineClient::<PolkadotConfig>::from_rpc_client(rpc.clone())
			.await
			.map_err(|error| ClientError::Rpc(format!("{url}: {error}")))?;
		Ok(Self { rpc, api })
	}

	/// The node's RPC client.
	pub fn rpc(&self) -> &RpcClient {
		&self.rpc
	}

	/// The node's chain client (metadata, blocks, transactions).
	pub fn api(&self) -> &OnlineClient<PolkadotConfig> {
		&self.api
	}

	/// The nonce `who`'s next transaction needs, counting those in the node's pool.
	pub async fn next_nonce(&self, who: &AccountId) -> Result<u64, ClientError> {
		self.rpc
			.request("system_accountNextIndex", rpc_params![who.to_string()])
			.await
			.map_err(rpc_error)
	}

	/// `call` signed by `key` with `nonce` for the best block: the extrinsic's bytes.
	pub async fn sign(
		&self,
		key: &Keypair,
		call: &RuntimeCall,
		nonce: u64,
	) -> Result<Vec<u8>, ClientError> {
		let at = self.api.at_current_block().await.map_err(rpc_error)?;
		let payload = at.tx().from_call_data_bytes(&call.encode()).map_err(rpc_error)?;
		let params = DefaultExtrinsicParamsBuilder::<PolkadotConfig>::new().nonce(nonce).build();
		Ok(at
			.tx()
			.create_signable_offline(&payload, params)
			.map_err(rpc_error)?
			.sign(key)
			.map_err(rpc_error)?
			.into_encoded())
	}

	/// What the runtime would charge for the signed `extrinsic` at the best block.
	pub async fn cost(&self, extrinsic: &[u8]) -> Result<DispatchCost, ClientError> {
		const METHOD: &str = "TransactionPaymentApi_query_info";
		let mut args = extrinsic.to_vec();
		(extrinsic.len() as u32).encode_to(&mut args);
		self.call(METHOD, &args).await
	}

	/// The runtime's plan of `batch_deploy(specs)` sent by `deployer`, at the best block: levels
	/// and predicted addresses, or why the pallet would refuse the batch. Changes nothing.
	pub async fn plan(
		&self,
		deployer: &AccountId,
		specs: &[ContractSpecOf<Runtime>],
	) -> Result<Result<DeploymentPlan<H160>, PlanError>, ClientError> {
		self.call("BatchDeployApi_plan", &(deployer, specs).encode()).await
	}

	/// The runtime API `method` called with `args` at the best block, its answer decoded.
	async fn call<T: Decode>(&self, method: &'static str, args: &[u8]) -> Result<T, ClientError> {
		let answer: String = self
			.rpc
			.request("state_call", rpc_params![method, format!("0x{}", hex(args))])
			.await
			.map_err(rpc_error)?;
		let bytes = crate::artifact::decode_hex(&answer)
			.map_err(|reason| ClientError::Decode { method, reason })?;
		Decode::decode(&mut &bytes[..])
			.map_err(|error| ClientError::Decode { method, reason: error.to_string() })
	}
}

fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
