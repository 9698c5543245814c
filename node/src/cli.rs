//! The command line: a Substrate node's subcommands and flags, plus pex's [`PexParams`].

use std::path::PathBuf;

/// Whether blocks are built by pex or by polkadot-sdk's stock proposer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ParallelExec {
	/// Build blocks with pex-block-builder; a block it fails to build is built by the stock
	/// proposer.
	On,
	/// Build every block with `sc-basic-authorship`'s stock proposer (for comparison, and as the
	/// safe fallback).
	Off,
}

/// pex's own flags.
#[derive(Debug, Clone, clap::Args)]
pub struct PexParams {
	/// Threads that execute a block's groups of extrinsics in parallel. Default: all cores.
	#[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
	pub exec_threads: Option<u16>,

	/// Build blocks in parallel (`on`) or with polkadot-sdk's stock proposer (`off`).
	#[arg(long, value_enum, default_value_t = ParallelExec::On, value_name = "MODE")]
	pub parallel_exec: ParallelExec,

	/// Write a Chrome trace (JSON, for chrome://tracing or Perfetto) of every block this node
	/// builds in parallel into this directory, one file per block: `block-<number>.json`.
	#[arg(long, value_name = "DIR")]
	pub exec_trace: Option<PathBuf>,

	/// Fault injection for tests: the parallel build of the block with this number fails as a
	/// whole, so the stock proposer builds it (and `pex_fallbacks_total` counts it).
	#[arg(long, value_name = "BLOCK_NUMBER", hide = true)]
	pub exec_fail_block: Option<u32>,
}

impl PexParams {
	/// The number of threads the builder runs on: `--exec-threads`, or every core.
	pub fn threads(&self) -> usize {
		self.exec_threads.map(usize::from).unwrap_or_else(|| {
			std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
		})
	}
}

/// `pex-node [SUBCOMMAND] [FLAGS]`: without a subcommand, runs the node.
#[derive(Debug, clap::Parser)]
#[command(
	propagate_version = true,
	args_conflicts_with_subcommands = true,
	subcommand_negates_reqs = true
)]
pub struct Cli {
	/// What to do instead of running the node.
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	/// The flags every Substrate node has (`--dev`, `--chain`, `--base-path`, `--rpc-port`, ...).
	#[command(flatten)]
	pub run: sc_cli::RunCmd,

	/// pex's flags.
	#[command(flatten)]
	pub pex: PexParams,
}

/// The subcommands of every Substrate node.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant, reason = "parsed once at start-up")]
pub enum Subcommand {
	/// Key management: generate, inspect and insert keys.
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Build a chain specification (deprecated upstream in favour of `export-chain-spec`).
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Export the chain specification of a known chain (`--chain dev|local|<file>`).
	ExportChainSpec(sc_cli::ExportChainSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks (each one executed: the stock sequential import).
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Database metadata.
	ChainInfo(sc_cli::ChainInfoCmd),
}
