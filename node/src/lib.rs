//! # pex node
//!
//! The node a pex chain's operators run: polkadot-sdk's solochain node (Aura block production,
//! GRANDPA finality, parity-db, the standard RPC) whose block authoring executes extrinsics in
//! parallel with [`pex_block_builder`].
//!
//! ## Parts
//!
//! - [`cli`]: the command line: every subcommand and flag of a Substrate node plus pex's own
//!   ([`cli::PexParams`]: `--exec-threads`, `--parallel-exec on|off`, `--exec-trace`).
//! - [`command`]: runs a subcommand or the node.
//! - [`chain_spec`]: `dev` and `local` chains from the runtime's genesis presets.
//! - [`service`]: wires client, database, pool, network, Aura, GRANDPA, RPC and the proposer.
//! - [`proposer`]: the parallel proposer, an `sp_consensus::Environment`. It builds each block with
//!   pex-block-builder on the parent's state and the parent's runtime code, and falls back to
//!   polkadot-sdk's stock proposer (`sc-basic-authorship`) for a block pex fails to build.
//! - [`metrics`]: the `pex_` Prometheus metrics and the recent blocks' build records behind the
//!   `pex_buildStats` RPC.
//! - [`rpc`]: the node's RPC extensions (`system_accountNextIndex`, transaction payment,
//!   `pex_buildStats`).
//!
//! ## Invariant
//!
//! A block the parallel proposer returns carries the builder's storage changes and is imported
//! with them (`StateAction::ApplyChanges`): authoring executes a block once. Its equivalence to
//! sequential execution is the builder's invariant, checked by every other node, which executes
//! the block itself.

pub mod chain_spec;
pub mod cli;
pub mod command;
pub mod metrics;
pub mod proposer;
pub mod rpc;
pub mod service;
