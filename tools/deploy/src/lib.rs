//! # pex-deploy
//!
//! A dApp team's deploy tool over `pallet-batch-deploy`: from the artifacts a compiler wrote to
//! one batch deployment of a whole contract suite, dependents after their dependencies.
//!
//! - `artifact.rs`: compiled contracts from solc's standard-JSON output, Foundry's `out/`,
//!   Hardhat's `artifacts/`, or inline bytecode and ABI.
//! - `suite.rs`: the suite a request or manifest describes: each contract's dependencies (explicit,
//!   bound constructor parameters, the source's imports and `new` expressions), the levels they
//!   deploy in, and cycle, unknown-dependency and unbound-parameter errors that name the contract
//!   at fault.
//! - `encode.rs`: constructor arguments from JSON, ABI-encoded by alloy, with the pallet's
//!   placeholders for addresses of the suite's own contracts.
//! - `manifest.rs`: what to deploy: a manifest (JSON or TOML) or an artifacts directory.
//! - `spec.rs`: a suite as `pex-runtime`'s `ContractSpec`s, within the runtime's bounds; the
//!   addresses its contracts get; the specs of one batch of a suite sent in several.
//! - `batches.rs`: which contracts go into which extrinsic (`Strategy`: batches within a bound, or
//!   one contract per extrinsic sent sequentially or all at once).
//! - `client.rs`: the node, over RPC: the runtime's dry run (`BatchDeployApi::plan`), weight and
//!   fee (`TransactionPaymentApi::query_info`), nonces, signing.
//! - `prepare.rs`: a suite made ready to send, every extrinsic checked and priced by the runtime.
//! - `plan.rs`: the plan by contract name, and the runtime's objections in words.
//! - `deploy.rs`: the extrinsics signed and sent, followed to finality, and the report of each
//!   contract from the pallet's events.
//! - `serve.rs`: the REST service (`POST /api/v1/deployments/batch`, ...) over all of the above.
//! - `error.rs`: every error of the way, in words.

pub mod artifact;
pub mod batches;
pub mod client;
pub mod deploy;
pub mod encode;
mod error;
pub mod manifest;
pub mod plan;
pub mod prepare;
pub mod serve;
pub mod spec;
pub mod suite;

pub use artifact::{load, ArtifactError, CompiledContract};
pub use batches::Strategy;
pub use client::DeployClient;
pub use encode::{encode_constructor, EncodeError, EncodedConstructor};
pub use error::Error;
pub use suite::{resolve, ContractRequest, InlineContract, Suite, SuiteContract, SuiteError};
