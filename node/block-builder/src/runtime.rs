//! Calls into the runtime's WASM code over a state backend and an overlay, the way a node's
//! client does (`sp_state_machine::StateMachine` with `sc_executor::WasmExecutor`).

use crate::BuildError;
use codec::{Decode, Encode};
use sc_executor::WasmExecutor;
use sp_core::{
	traits::{CallContext, RuntimeCode, WrappedRuntimeCode},
	Hasher,
};
use sp_externalities::Extensions;
use sp_state_machine::{Backend, OverlayedChanges, StateMachine};

/// The runtime's WASM code and the executor that runs it. Cheap to share between threads: the
/// executor keeps a pool of instances, one per concurrent call.
pub struct WasmRuntime {
	executor: WasmExecutor<sp_io::SubstrateHostFunctions>,
	code: WrappedRuntimeCode<'static>,
	hash: Vec<u8>,
}

impl WasmRuntime {
	/// A runtime running `code` (a runtime WASM blob), with up to `instances` instances in
	/// parallel.
	pub fn new(code: Vec<u8>, instances: usize) -> Self {
		let hash = sp_io::hashing::blake2_256(&code).to_vec();
		let executor = WasmExecutor::builder().with_max_runtime_instances(instances.max(1)).build();
		Self { executor, code: WrappedRuntimeCode(code.into()), hash }
	}

	/// The executor, for calls of its own (e.g. importing a block to check it).
	pub fn executor(&self) -> &WasmExecutor<sp_io::SubstrateHostFunctions> {
		&self.executor
	}

	/// The code as the executor takes it.
	pub fn code(&self) -> RuntimeCode<'_> {
		RuntimeCode { code_fetcher: &self.code, heap_pages: None, hash: self.hash.clone() }
	}

	/// Call runtime API `method` with `args` (SCALE-encoded here) on `backend` plus `overlay`, and
	/// decode its result as an `R`. Writes land in `overlay`.
	pub(crate) fn call<H, B, R>(
		&self,
		backend: &B,
		overlay: &mut OverlayedChanges<H>,
		method: &'static str,
		args: impl Encode,
	) -> Result<R, BuildError>
	where
		H: Hasher,
		H::Out: Ord + 'static + codec::Codec,
		B: Backend<H>,
		R: Decode,
	{
		let code = self.code();
		let mut extensions = Extensions::default();
		let output = StateMachine::new(
			backend,
			overlay,
			&self.executor,
			method,
			&args.encode(),
			&mut extensions,
			&code,
			CallContext::Onchain { import: false },
		)
		.execute()
		.map_err(|error| BuildError::Runtime { method, message: error.to_string() })?;
		R::decode(&mut &output[..]).map_err(|_| BuildError::Undecodable { method })
	}
}
