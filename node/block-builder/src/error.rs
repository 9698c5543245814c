//! Why a build fails as a whole.

use pex_primitives::MergeError;
use sp_runtime::transaction_validity::TransactionValidityError;

/// Why a build failed as a whole (a candidate's own failure never fails the build: it is left
/// out with a [`crate::LeftOutReason`]).
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
	/// A runtime call failed (trap, panic, missing export) where the block cannot do without it.
	#[error("runtime call {method} failed: {message}")]
	Runtime {
		/// The runtime API function.
		method: &'static str,
		/// The executor's error.
		message: String,
	},
	/// A runtime call returned bytes that do not decode as its result type.
	#[error("the result of {method} does not decode")]
	Undecodable {
		/// The runtime API function.
		method: &'static str,
	},
	/// An inherent the runtime created could not be applied.
	#[error("inherent {index} failed: {error:?}")]
	Inherent {
		/// Its position among the inherents.
		index: usize,
		/// Why the runtime refused it.
		error: TransactionValidityError,
	},
	/// The storage changes of the block could not be computed.
	#[error("storage changes: {0}")]
	StorageChanges(String),
	/// The kept chunks' values of a hot key do not merge (a sum overflowed its type).
	#[error("hot key {key} does not merge: {error}")]
	HotKey {
		/// The key, hex.
		key: String,
		/// Why.
		error: MergeError,
	},
	/// The builder's thread pool could not be created.
	#[error("thread pool: {0}")]
	ThreadPool(String),
	/// The parent state could not be read (a database error).
	#[error("reading the parent state: {0}")]
	State(String),
	/// The runtime does not implement the version of `ParallelExecutionApi` this builder speaks
	/// ([`crate::PARALLEL_EXECUTION_API_VERSION`]): an older or newer runtime, whose answers it
	/// could misread. The node builds the block with the stock builder instead.
	#[error(
		"runtime spec_version {spec_version} implements ParallelExecutionApi version {found:?}, \
		 the builder speaks version {expected}"
	)]
	UnsupportedRuntime {
		/// The runtime's `spec_version`.
		spec_version: u32,
		/// The API version the runtime declares (`None`: it does not implement the API).
		found: Option<u32>,
		/// The version the builder speaks.
		expected: u32,
	},
	/// An invariant of the builder broke (a bug): the build stops rather than give a block it
	/// cannot vouch for.
	#[error("broken invariant of the block builder: {0}")]
	Invariant(&'static str),
}
