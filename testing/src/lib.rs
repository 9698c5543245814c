//! # pex-test-chain
//!
//! A chain of the pex runtime to test and measure block building on, without a node: what the
//! block builder's tests, the harness (pex-bench) and the node's tests share. It knows nothing
//! of pex's builder, so the builder's tests use it without a dependency cycle.
//!
//! - [`runtime`]: the WASM blob, one executor for the process, and the import oracle (a stock
//!   node's `Core_execute_block`).
//! - [`chain`]: genesis with funded deterministic accounts, signed extrinsics, the inputs of the
//!   next block, and advancing the chain by a checked block.
//! - [`stock`]: a stock node: sc-block-builder's sequential builder and import.
//! - [`contracts`]: the Solidity suite's deployments and calls.
//! - [`ethereum`]: Ethereum transactions signed as a wallet signs them.
//! - [`scenario`]: the workloads (`transfers`, `zipf`, `all-conflict`, `deploy`, `undeclared`,
//!   `doomed`), each a pure function of its parameters and a seed.

pub mod chain;
pub mod contracts;
pub mod ethereum;
pub mod runtime;
pub mod scenario;
pub mod stock;

/// Why the chain could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum Error {
	/// Parameters no scenario can run with (the message names the scenario and why).
	#[error("invalid scenario: {0}")]
	Scenario(String),
	/// A scenario's setup block did not hold every setup extrinsic.
	#[error("setup: {0}")]
	Setup(String),
	/// sc-block-builder failed.
	#[error("sc-block-builder: {0}")]
	Stock(String),
	/// A stock node did not import a block (execution failed or the state root differs).
	#[error("import: {0}")]
	Import(String),
}
