//! The node's RPC beyond what every Substrate node serves: `system_accountNextIndex` (nonces
//! counting the pool), the transaction-payment RPC (`payment_queryInfo`, ...), and
//! `pex_buildStats`.

use crate::{
	metrics::{BlockRecord, BuildLog, RECENT_BLOCKS},
	service::{FullClient, FullPool},
};
use jsonrpsee::{core::RpcResult, proc_macros::rpc, types::ErrorObjectOwned, RpcModule};
use pex_runtime::opaque::Block;
use std::sync::Arc;

/// What the RPC extensions serve from.
pub struct FullDeps {
	/// The client.
	pub client: Arc<FullClient>,
	/// The transaction pool.
	pub pool: Arc<FullPool>,
	/// The build records of the blocks this node authored.
	pub build_log: Arc<BuildLog>,
}

/// pex's own RPC methods.
#[rpc(server, namespace = "pex")]
pub trait PexApi {
	/// The build records of the last `count` blocks this node authored (default 16, at most
	/// [`RECENT_BLOCKS`]), oldest first: who built each (pex or the stock proposer, and why),
	/// its extrinsics, groups, kept fraction, concurrency, critical path share, re-executions,
	/// phase times and left-out candidates by reason. Empty on a node that does not author.
	#[method(name = "buildStats")]
	fn build_stats(&self, count: Option<u32>) -> RpcResult<Vec<BlockRecord>>;
}

/// The error code of a `count` out of range (JSON-RPC's "invalid params").
const INVALID_PARAMS: i32 = -32602;

/// Serves [`PexApiServer`] from the proposer's [`BuildLog`].
pub struct PexRpc {
	build_log: Arc<BuildLog>,
}

impl PexApiServer for PexRpc {
	fn build_stats(&self, count: Option<u32>) -> RpcResult<Vec<BlockRecord>> {
		let count = count.unwrap_or(16) as usize;
		if count == 0 || count > RECENT_BLOCKS {
			return Err(ErrorObjectOwned::owned(
				INVALID_PARAMS,
				format!("count must be between 1 and {RECENT_BLOCKS}, got {count}"),
				None::<()>,
			));
		}
		Ok(self.build_log.recent(count))
	}
}

/// The RPC extensions of a full node.
pub fn create_full(
	deps: FullDeps,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>> {
	use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
	use substrate_frame_rpc_system::{System, SystemApiServer};

	let FullDeps { client, pool, build_log } = deps;
	let mut module = RpcModule::new(());
	module.merge(System::<FullPool, FullClient, Block>::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::<FullClient, Block>::new(client).into_rpc())?;
	module.merge(PexRpc { build_log }.into_rpc())?;
	Ok(module)
}
