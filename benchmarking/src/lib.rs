//! # pex-bench
//!
//! The harness that measures pex's parallel block building against stock Substrate: the same
//! runtime, the same parent state and the same signed extrinsics for every contestant, measured
//! in the same run.
//!
//! The chain, its workloads (scenarios) and the stock contestants (sc-block-builder and a stock
//! node's import) are pex-test-chain's, shared with the block builder's and the node's tests.
//!
//! - [`measure`]: running the contestants: a correctness check, then timed repetitions.
//! - [`suite`]: every scenario with defaults, and the goals.
//! - [`report`] and [`chart`]: Markdown, CSV and SVG output.
//! - [`load`]: a node's client that submits transfers over RPC (subxt).
//! - [`memory`]: the process's peak memory.
//!
//! `benchmarking/README.md` says how to run it and read its report.

pub mod chart;
pub mod load;
pub mod measure;
pub mod memory;
pub mod report;
pub mod suite;

use pex_block_builder::{BlockInputs, WasmRuntime};
use pex_runtime::Block;
use pex_test_chain::chain::{Chain, NextBlock};
use std::{
	path::PathBuf,
	sync::{Arc, OnceLock},
};

/// Why a benchmark run stopped.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
	/// The runtime's WASM blob was not built into this binary.
	#[error("the runtime's WASM blob is not built (unset SKIP_WASM_BUILD and build again)")]
	NoWasm,
	/// A parameter no scenario or measurement can run with.
	#[error("invalid parameter: {0}")]
	Parameter(String),
	/// The chain refused a scenario, or the stock contestants failed.
	#[error(transparent)]
	Chain(#[from] pex_test_chain::Error),
	/// pex-block-builder failed.
	#[error("pex-block-builder: {0}")]
	Pex(#[from] pex_block_builder::BuildError),
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

/// pex's runtime for every builder of the process, over the chain's executor
/// ([`pex_test_chain::runtime::executor`]): the blob is compiled once for pex and stock alike.
pub fn runtime() -> Arc<WasmRuntime> {
	static RUNTIME: OnceLock<Arc<WasmRuntime>> = OnceLock::new();
	let runtime = || {
		let executor = pex_test_chain::runtime::executor();
		WasmRuntime::with_executor(executor, pex_test_chain::runtime::wasm().to_vec())
	};
	RUNTIME.get_or_init(|| Arc::new(runtime())).clone()
}

/// The inputs of `chain`'s next block, as pex's builder takes them.
pub fn next_block(chain: &Chain) -> BlockInputs<Block> {
	let NextBlock { parent_hash, number, digest, inherent_data } = chain.next_block();
	BlockInputs { parent_hash, number, digest, inherent_data }
}
