//! Calls into the runtime's WASM code over a state backend and an overlay, the way a node's
//! client does (`sp_state_machine::StateMachine` with `sc_executor::WasmExecutor`).

use crate::BuildError;
use codec::{Decode, Encode};
use sc_executor::WasmExecutor;
use sp_core::{
	traits::{CallContext, ReadRuntimeVersionExt, RuntimeCode, WrappedRuntimeCode},
	Hasher,
};
use sp_externalities::Extensions;
use sp_state_machine::{Backend, OverlayedChanges, StateMachine};
use std::panic::{catch_unwind, AssertUnwindSafe};

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

	/// The extensions a client's runtime calls carry: the executor that reads a blob's runtime
	/// version (`sp_io::misc::runtime_version`, which `set_code` calls to check the new code).
	/// Every call into this runtime, the builder's and an importer's alike, must have them.
	pub fn extensions(&self) -> Extensions {
		let mut extensions = Extensions::default();
		extensions.register(ReadRuntimeVersionExt::new(self.executor.clone()));
		extensions
	}

	/// The code as the executor takes it.
	pub fn code(&self) -> RuntimeCode<'_> {
		RuntimeCode { code_fetcher: &self.code, heap_pages: None, hash: self.hash.clone() }
	}

	/// Call runtime API `method` with `args` (SCALE-encoded here) on `backend` plus `overlay`, and
	/// decode its result as an `R`.
	///
	/// Atomic on `overlay`: the call runs in an overlay transaction of its own, committed only if
	/// the call returned and its result decodes. A trap, a panic of the executor (a failing read
	/// of the backend is one) or an undecodable result leaves `overlay` as it was: a runtime call
	/// that fails halfway never leaves half of its writes behind.
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
		self.call_checked(backend, overlay, method, args, |_| true)
	}

	/// [`Self::call`], whose result must also pass `check` (e.g. one answer per extrinsic):
	/// otherwise it is [`BuildError::Undecodable`] and the call's writes are rolled back, like
	/// those of a call that failed.
	pub(crate) fn call_checked<H, B, R>(
		&self,
		backend: &B,
		overlay: &mut OverlayedChanges<H>,
		method: &'static str,
		args: impl Encode,
		check: impl FnOnce(&R) -> bool,
	) -> Result<R, BuildError>
	where
		H: Hasher,
		H::Out: Ord + 'static + codec::Codec,
		B: Backend<H>,
		R: Decode,
	{
		self.in_transaction(backend, overlay, method, &args.encode(), true, check)
	}

	/// Call `method` like [`Self::call`] and roll back whatever it wrote: for questions to the
	/// runtime (descriptions, capacity, hot keys), which must not change the state.
	pub(crate) fn query<H, B, R>(
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
		self.in_transaction(backend, overlay, method, &args.encode(), false, |_| true)
	}

	/// Run `method` in an overlay transaction of its own. A result `check` refuses is
	/// [`BuildError::Undecodable`]. The writes are committed if `keep_writes` is set and the call
	/// succeeded, rolled back otherwise.
	fn in_transaction<H, B, R>(
		&self,
		backend: &B,
		overlay: &mut OverlayedChanges<H>,
		method: &'static str,
		input: &[u8],
		keep_writes: bool,
		check: impl FnOnce(&R) -> bool,
	) -> Result<R, BuildError>
	where
		H: Hasher,
		H::Out: Ord + 'static + codec::Codec,
		B: Backend<H>,
		R: Decode,
	{
		overlay.start_transaction();
		let result = self.execute(backend, overlay, method, input).and_then(|r| {
			if check(&r) {
				Ok(r)
			} else {
				Err(BuildError::Undecodable { method })
			}
		});
		let closed = if keep_writes && result.is_ok() {
			overlay.commit_transaction()
		} else {
			overlay.rollback_transaction()
		};
		closed.map_err(|_| {
			BuildError::Invariant("a runtime call closed the builder's transaction")
		})?;
		result
	}

	/// Run `method` on `input` and decode its result; never panics.
	fn execute<H, B, R>(
		&self,
		backend: &B,
		overlay: &mut OverlayedChanges<H>,
		method: &'static str,
		input: &[u8],
	) -> Result<R, BuildError>
	where
		H: Hasher,
		H::Out: Ord + 'static + codec::Codec,
		B: Backend<H>,
		R: Decode,
	{
		let code = self.code();
		let mut extensions = self.extensions();
		let output = catch_unwind(AssertUnwindSafe(|| {
			StateMachine::new(
				backend,
				overlay,
				&self.executor,
				method,
				input,
				&mut extensions,
				&code,
				CallContext::Onchain { import: false },
			)
			.execute()
		}));
		let output = match output {
			Ok(output) => output
				.map_err(|error| BuildError::Runtime { method, message: error.to_string() })?,
			Err(panic) => {
				// The panic unwound out of the state machine, which then did not hand the overlay
				// back to the client: do it here (an error only says it was already handed back).
				// The caller's transaction then rolls back what the call wrote.
				overlay.exit_runtime().ok();
				let message = panic
					.downcast_ref::<&str>()
					.map(|s| s.to_string())
					.or_else(|| panic.downcast_ref::<String>().cloned())
					.unwrap_or_default();
				return Err(BuildError::Runtime { method, message: format!("panicked: {message}") })
			},
		};
		R::decode(&mut &output[..]).map_err(|_| BuildError::Undecodable { method })
	}
}
