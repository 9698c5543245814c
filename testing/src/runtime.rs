//! The pex runtime as a node runs it: its WASM blob, one executor for the whole process (so the
//! blob is compiled once, whoever calls it), and a stock node's import of a block.

use crate::Error;
use codec::Encode;
use sc_executor::WasmExecutor;
use sp_core::{
	traits::{CallContext, ReadRuntimeVersionExt, RuntimeCode, WrappedRuntimeCode},
	H256,
};
use sp_externalities::Extensions;
use sp_runtime::{traits::BlakeTwo256, StateVersion};
use sp_state_machine::{OverlayedChanges, StateMachine};
use std::sync::OnceLock;

/// The executor of the pex runtime: host functions of a Substrate node.
pub type Executor = WasmExecutor<sp_io::SubstrateHostFunctions>;

/// Runtime instances the executor keeps for concurrent calls: as many threads as any test or
/// benchmark builds with.
pub const MAX_INSTANCES: usize = 16;

/// The runtime's WASM blob.
///
/// # Panics
///
/// If it was not built (`SKIP_WASM_BUILD` set); the harness checks for it first and reports
/// an error instead.
pub fn wasm() -> &'static [u8] {
	pex_runtime::WASM_BINARY.expect("the WASM blob is built (unset SKIP_WASM_BUILD)")
}

/// The process's executor. Clones share its cache of compiled runtimes, so the blob is compiled
/// once for every builder, client and import of the process (compiling it takes seconds).
pub fn executor() -> Executor {
	static EXECUTOR: OnceLock<Executor> = OnceLock::new();
	EXECUTOR
		.get_or_init(|| WasmExecutor::builder().with_max_runtime_instances(MAX_INSTANCES).build())
		.clone()
}

/// The blob as the executor takes it, hashed once.
pub fn code() -> RuntimeCode<'static> {
	static CODE: OnceLock<(WrappedRuntimeCode<'static>, Vec<u8>)> = OnceLock::new();
	let (code, hash) = CODE.get_or_init(|| {
		let blob = wasm();
		(WrappedRuntimeCode(blob.into()), sp_io::hashing::blake2_256(blob).to_vec())
	});
	RuntimeCode { code_fetcher: code, heap_pages: None, hash: hash.clone() }
}

/// The extensions a client's runtime calls carry: the executor that reads a blob's runtime
/// version (`sp_io::misc::runtime_version`, which `set_code` calls to check the new code).
pub fn extensions() -> Extensions {
	let mut extensions = Extensions::default();
	extensions.register(ReadRuntimeVersionExt::new(executor()));
	extensions
}

/// What a stock node does to import `block`: `Core_execute_block` in WASM on the parent `state`
/// (the runtime checks the state root and the extrinsics root), then the storage changes.
/// Returns the state root they give.
pub fn execute_block<S: sp_state_machine::Backend<BlakeTwo256>>(
	state: &S,
	block: &impl Encode,
) -> Result<H256, Error> {
	let import = |error: String| Error::Import(error);
	let code = code();
	let mut overlay = OverlayedChanges::<BlakeTwo256>::default();
	let mut extensions = extensions();
	StateMachine::new(
		state,
		&mut overlay,
		&executor(),
		"Core_execute_block",
		&block.encode(),
		&mut extensions,
		&code,
		CallContext::Onchain { import: true },
	)
	.execute()
	.map_err(|error| import(error.to_string()))?;
	let changes = overlay
		.drain_storage_changes(state, StateVersion::V1)
		.map_err(|error| import(error.to_string()))?;
	Ok(changes.transaction_storage_root)
}
