//! # pex-bench
//!
//! The harness that measures pex's parallel block building against stock Substrate: the same
//! runtime, the same parent state and the same signed extrinsics for every contestant, measured
//! in the same run.
//!
//! - [`chain`]: a chain of the pex runtime with funded signing accounts and the import oracle
//!   (shared with the block builder's tests).
//! - [`contracts`]: the Solidity suite's deployments and calls.
//! - [`stock`]: the stock contestants, sc-block-builder and a stock node's import.
//! - [`scenario`]: the workloads (`transfers`, `zipf`, `all-conflict`, `deploy`, `undeclared`).
//! - [`measure`]: running the contestants: a correctness check, then timed repetitions.
//! - [`suite`]: every scenario with defaults, and the goals.
//! - [`report`] and [`chart`]: Markdown, CSV and SVG output.
//! - [`workload`]: access-set generators for the `partition` benchmark and demo.
//!
//! `benchmarking/README.md` says how to run it and read its report.

pub mod chain;
pub mod chart;
pub mod contracts;
pub mod load;
pub mod measure;
pub mod memory;
pub mod report;
pub mod scenario;
pub mod stock;
pub mod suite;
pub mod workload;

use std::path::PathBuf;

/// Why a benchmark run stopped.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
	/// The runtime's WASM blob was not built into this binary.
	#[error("the runtime's WASM blob is not built (unset SKIP_WASM_BUILD and build again)")]
	NoWasm,
	/// A parameter no scenario or measurement can run with.
	#[error("invalid parameter: {0}")]
	Parameter(String),
	/// A scenario's setup blocks could not be built.
	#[error("setup: {0}")]
	Setup(String),
	/// sc-block-builder failed.
	#[error("sc-block-builder: {0}")]
	Stock(String),
	/// pex-block-builder failed.
	#[error("pex-block-builder: {0}")]
	Pex(#[from] pex_block_builder::BuildError),
	/// A stock node did not import pex's block.
	#[error("import of pex's block: {0}")]
	Import(String),
	/// The contestants disagree: the harness refuses to time different work.
	#[error("{scenario}: {what}")]
	Mismatch {
		/// The scenario.
		scenario: String,
		/// What differs.
		what: String,
	},
	/// A report file could not be written.
	#[error("writing {path}: {source}")]
	Io {
		/// The file or directory.
		path: PathBuf,
		/// Why.
		source: std::io::Error,
	},
}

/// Fail with [`BenchError::NoWasm`] when the runtime's blob is missing.
pub fn ensure_wasm() -> Result<(), BenchError> {
	pex_runtime::WASM_BINARY.map(|_| ()).ok_or(BenchError::NoWasm)
}
