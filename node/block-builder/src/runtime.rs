//! Calls into the runtime: the [`RuntimeCalls`] trait the builder uses, its implementation over
//! the runtime's WASM code ([`WasmRuntime`], the way a node's client calls it:
//! `sp_state_machine::StateMachine` with `sc_executor::WasmExecutor`), and the atomic calls the
//! builder makes of any implementation.

use crate::BuildError;
use codec::{Decode, DecodeAll, Encode};
use sc_executor::WasmExecutor;
use sp_core::{
	traits::{CallContext, ReadRuntimeVersionExt, RuntimeCode, WrappedRuntimeCode},
	Hasher,
};
use sp_externalities::Extensions;
use sp_state_machine::{Backend, OverlayedChanges, StateMachine};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// What the builder needs of a runtime: one of its API functions run over a state.
///
/// [`WasmRuntime`] is the implementation blocks are built with; tests put a fault-injecting one
/// in its place. The builder makes every call atomic on its overlay and catches panics, so an
/// implementation may fail (or panic) halfway through a call having written to `overlay`.
pub trait RuntimeCalls: Send + Sync {
	/// Run runtime API function `method` (e.g. `Core_version`) on SCALE-encoded `input`, over
	/// `backend` plus `overlay`, and return its SCALE-encoded result; a trap, a missing export or
	/// a failing read of `backend` is [`BuildError::Runtime`].
	fn execute<H, B>(
		&self,
		backend: &B,
		overlay: &mut OverlayedChanges<H>,
		method: &'static str,
		input: &[u8],
	) -> Result<Vec<u8>, BuildError>
	where
		H: Hasher,
		H::Out: Ord + 'static + codec::Codec,
		B: Backend<H>;
}

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
		let executor = WasmExecutor::builder().with_max_runtime_instances(instances.max(1)).build();
		Self::with_executor(executor, code)
	}

	/// A runtime running `code` with `executor`, whose cache of compiled runtimes its clones
	/// share: a process that already compiled `code` with a clone of it does not compile it
	/// again.
	pub fn with_executor(
		executor: WasmExecutor<sp_io::SubstrateHostFunctions>,
		code: Vec<u8>,
	) -> Self {
		let hash = sp_io::hashing::blake2_256(&code).to_vec();
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
}

impl RuntimeCalls for WasmRuntime {
	fn execute<H, B>(
		&self,
		backend: &B,
		overlay: &mut OverlayedChanges<H>,
		method: &'static str,
		input: &[u8],
	) -> Result<Vec<u8>, BuildError>
	where
		H: Hasher,
		H::Out: Ord + 'static + codec::Codec,
		B: Backend<H>,
	{
		let code = self.code();
		let mut extensions = self.extensions();
		let output = StateMachine::new(
			backend,
			overlay,
			&self.executor,
			method,
			input,
			&mut extensions,
			&code,
			CallContext::Onchain { import: false },
		)
		.execute();
		output.map_err(|error| BuildError::Runtime { method, message: error.to_string() })
	}
}

/// The calls the builder makes of a [`RuntimeCalls`]: typed, atomic on the overlay, and never
/// panicking.
pub(crate) trait Calls {
	/// Call runtime API `method` with `args` (SCALE-encoded here) on `backend` plus `overlay`, and
	/// decode its result as an `R`.
	///
	/// Atomic on `overlay`: the call runs in an overlay transaction of its own, committed only if
	/// the call returned and its whole result decodes. A trap, a panic (a failing read of the
	/// backend is one, in the executor) or an undecodable result leaves `overlay` as it was: a
	/// runtime call that fails halfway never leaves half of its writes behind.
	fn call<H, B, R>(
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
	fn call_checked<H, B, R>(
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
	fn query<H, B, R>(
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
		R: Decode;
}

impl<T: RuntimeCalls + ?Sized> Calls for T {
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
		// The whole answer must decode: bytes left over mean it is no `R` (another API version).
		let result = execute_caught(self, backend, overlay, method, input).and_then(|output| {
			match R::decode_all(&mut &output[..]) {
				Ok(result) if check(&result) => Ok(result),
				_ => Err(BuildError::Undecodable { method }),
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
		if let Err(error) = &result {
			log::debug!(target: crate::LOG_TARGET, "{error}");
		}
		result
	}
}

/// `runtime.execute(...)`, a panic turned into [`BuildError::Runtime`].
fn execute_caught<T, H, B>(
	runtime: &T,
	backend: &B,
	overlay: &mut OverlayedChanges<H>,
	method: &'static str,
	input: &[u8],
) -> Result<Vec<u8>, BuildError>
where
	T: RuntimeCalls + ?Sized,
	H: Hasher,
	H::Out: Ord + 'static + codec::Codec,
	B: Backend<H>,
{
	match catch_unwind(AssertUnwindSafe(|| runtime.execute(backend, overlay, method, input))) {
		Ok(output) => output,
		Err(panic) => {
			// A panic that unwound out of the state machine left the overlay in the runtime's
			// hands: take it back here (an error only says it was not in them). The caller's
			// transaction then rolls back what the call wrote.
			overlay.exit_runtime().ok();
			let message = panic
				.downcast_ref::<&str>()
				.map(|s| s.to_string())
				.or_else(|| panic.downcast_ref::<String>().cloned())
				.unwrap_or_default();
			Err(BuildError::Runtime { method, message: format!("panicked: {message}") })
		},
	}
}
