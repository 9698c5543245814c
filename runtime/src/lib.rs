//! # pex runtime
//!
//! Not implemented yet: issue \[P3\] fills this crate.
//!
//! It will be a FRAME runtime built to WASM with `pallet-batch-deploy`, balances, transaction
//! fees, sudo governance, and an implementation of `pex_primitives::ParallelExecutionApi` (access
//! sets, hot keys with their merge rules, the post-inherent step) for the parallel block builder.

#![cfg_attr(not(feature = "std"), no_std)]
