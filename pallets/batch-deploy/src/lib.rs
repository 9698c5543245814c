//! # Batch Deploy Pallet
//!
//! Not implemented yet: issue [P2] fills this crate.
//!
//! It will deploy a whole suite of contracts in one extrinsic: validate the batch (sizes,
//! duplicate names, unknown dependencies, cycles) before any state change, order it into
//! dependency levels with `pex_primitives::DependencyGraph`, derive every address
//! deterministically, and deploy level by level through a `Deployer` trait, reporting one result
//! per contract. See the "Batch deployment" section of the pex architecture.

#![cfg_attr(not(feature = "std"), no_std)]
