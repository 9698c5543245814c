//! # pex primitives
//!
//! The vocabulary every part of pex uses to reason about parallel execution. `no_std`, so the
//! runtime, the pallets and the node share one definition.
//!
//! 1. [`AccessSet`] (`access`): the [`AccessKey`]s (accounts, exact storage keys, storage
//!    prefixes) a transaction reads and writes, and the conflict relation between two sets:
//!    write/write or read/write on overlapping keys; read/read never conflicts.
//! 2. [`partition`] (`partition`): transactions into [`Group`]s so that no two groups conflict,
//!    exactly the connected components of the conflict relation, in near-linear time; and
//!    [`schedule`], which packs groups onto a fixed number of [`Lane`]s by cost.
//! 3. [`DependencyGraph`] (`graph`): dependency edges, Kahn levels (each level depends only on
//!    earlier ones), cycles reported with their members.
//! 4. [`HotKey`] and [`MergeRule`] (`merge`): block-wide storage items every extrinsic writes,
//!    and [`merge`], the pure functions over SCALE bytes that combine the groups' writes into the
//!    value a sequential run leaves.
//! 5. [`ParallelExecutionApi`] (`api`): the runtime API through which the runtime declares
//!    access sets and hot keys, and runs the post-inherent step in the block builder's base.
//!
//! Determinism: no function here depends on hash-map iteration order, thread timing or time.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod access;
pub mod api;
mod graph;
mod merge;
mod partition;

pub use access::{AccessKey, AccessSet};
pub use api::ParallelExecutionApi;
pub use graph::{DependencyGraph, GraphError, NodeIndex};
pub use merge::{hot_key_for, merge, HotKey, KeyMatch, MergeError, MergeRule, ValueAt};
pub use partition::{partition, schedule, Group, Lane, ScheduleError};

/// A transaction's position in the input of [`partition`] (for the block builder: pool order).
pub type TxIndex = u32;
