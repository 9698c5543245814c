//! # pex primitives
//!
//! The vocabulary every part of pex uses to reason about parallel execution. `no_std`, so the
//! runtime, the pallets and the node share one definition.
//!
//! 1. [`AccessSet`] (`access`): the [`AccessKey`]s (accounts, exact storage keys, storage prefixes)
//!    a transaction reads and writes, and the conflict relation between two sets: write/write or
//!    read/write on overlapping keys; read/read never conflicts.
//! 2. [`partition`] (`partition`): transactions into [`Group`]s so that no two groups conflict,
//!    exactly the connected components of the conflict relation, in near-linear time.
//! 3. [`ConflictDag`] (`dag`): the conflict relation in pool order as a DAG (each transaction after
//!    the latest earlier ones it conflicts with, per key), its levels, a block order that keeps
//!    every conflicting pair in pool order, and the critical path: what may run at the same time
//!    inside a component. [`plan`] (`plan`) turns it into an [`ExecutionPlan`]: phases of chunks
//!    per lane, with barriers only where a cost model says they pay.
//! 4. [`DependencyGraph`] (`graph`): dependency edges, Kahn levels (each level depends only on
//!    earlier ones), cycles reported with their members.
//! 5. [`HotKey`] and [`MergeRule`] (`merge`): block-wide storage items every extrinsic writes, and
//!    [`merge`], the pure functions over SCALE bytes that combine the groups' writes into the value
//!    a sequential run leaves.
//! 6. [`ParallelExecutionApi`] (declared at the crate root, as polkadot-sdk's API crates do, so
//!    `impl_runtime_apis!` finds it): the runtime API through which the runtime declares access
//!    sets and hot keys, and runs the post-inherent step in the block builder's base.
//!
//! Determinism: no function here depends on hash-map iteration order, thread timing or time.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod access;
mod capacity;
mod dag;
mod graph;
mod keys;
mod merge;
mod partition;
mod plan;

pub use access::{AccessKey, AccessSet};
pub use capacity::{BlockCapacity, ClassCapacity, ExtrinsicClass, ExtrinsicInfo};
pub use dag::ConflictDag;
pub use graph::{DependencyGraph, GraphError, NodeIndex};
pub use merge::{hot_key_for, merge, HotKey, KeyMatch, MergeError, MergeRule, ValueAt};
pub use partition::{partition, Group, ScheduleError};
pub use plan::{plan, Chunk, ExecutionPlan, Phase, Shape};

use alloc::vec::Vec;
use sp_runtime::traits::Block as BlockT;

/// A transaction's position in the input of [`partition`] (for the block builder: pool order).
pub type TxIndex = u32;

sp_api::decl_runtime_apis! {
	/// What the parallel block builder needs to know from the runtime, and the one step of block
	/// building no stock runtime API triggers on its own.
	///
	/// Because the runtime answers, a runtime upgrade through governance can change access sets
	/// and hot keys without a node release.
	///
	/// Versioned: a change of any function's signature or meaning bumps the `api_version`, and a
	/// builder refuses a runtime whose version it does not speak (the node then builds with the
	/// stock builder), so that no builder misreads a runtime's answers. Version 1: the functions
	/// below.
	#[api_version(1)]
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

		/// What the rest of the block may still use, per dispatch class, in the current state
		/// (asked after the inherents and the post-inherent step).
		fn block_capacity() -> BlockCapacity;

		/// [`ExtrinsicInfo`] of each of `extrinsics`, in order: one call for many candidates.
		fn describe(extrinsics: Vec<<Block as BlockT>::Extrinsic>) -> Vec<ExtrinsicInfo>;

		/// Apply `extrinsics` one after another as the block's extrinsics `first_index`,
		/// `first_index + 1`, ...: set the extrinsic index and execution phase to `first_index`
		/// (as if that many extrinsics had been applied), then apply each like
		/// `BlockBuilder::apply_extrinsic`, in a storage transaction that is rolled back if the
		/// extrinsic is refused. One call for a whole run of extrinsics.
		fn apply_extrinsics(
			first_index: u32,
			extrinsics: Vec<<Block as BlockT>::Extrinsic>,
		) -> Vec<sp_runtime::ApplyExtrinsicResult>;
	}
}
