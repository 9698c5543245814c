//! The runtime API the parallel block builder calls.

use crate::{AccessSet, HotKey};
use alloc::vec::Vec;
use sp_runtime::traits::Block as BlockT;

sp_api::decl_runtime_apis! {
	/// What the parallel block builder needs to know from the runtime, and the one step of block
	/// building no stock runtime API triggers on its own.
	///
	/// Because the runtime answers, a runtime upgrade through governance can change access sets
	/// and hot keys without a node release.
	pub trait ParallelExecutionApi {
		/// The keys `extrinsic` may read and write when applied in the current state.
		///
		/// Invariant the runtime promises: applying the extrinsic touches no account or storage
		/// key outside the set, other than declared hot keys. The builder checks the storage keys
		/// really touched and re-executes sequentially whatever lied, so a wrong set costs time,
		/// never correctness.
		fn access_set(extrinsic: <Block as BlockT>::Extrinsic) -> AccessSet;

		/// The block-wide storage items every extrinsic may write, each with the rule that merges
		/// the writes of parallel groups into the value a sequential run leaves.
		fn hot_keys() -> Vec<HotKey>;

		/// Run the executive's post-inherent step (`frame_executive::Executive::inherents_applied`:
		/// mark inherents applied, `on_poll`, multi-block-migration steps) once, after the
		/// inherents and before the first other extrinsic.
		///
		/// A sequential block runs this step inside its first non-inherent extrinsic; the builder
		/// runs it in the base state so that parallel groups do not each run it again.
		fn inherents_applied();
	}
}
