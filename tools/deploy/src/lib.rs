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
//! - `spec.rs`: a suite as `pex-runtime`'s `ContractSpec`s, within the runtime's bounds.
//! - `client.rs`: the node, over RPC: the runtime's dry run (`BatchDeployApi::plan`).
//! - `plan.rs`: the plan by contract name, and the runtime's objections in words.
//! - `deploy.rs`: one signed `batch_deploy` of the suite, followed to finality, and the report of
//!   each contract from the pallet's events.

pub mod artifact;
pub mod client;
pub mod deploy;
pub mod encode;
pub mod manifest;
pub mod plan;
pub mod spec;
pub mod suite;

pub use artifact::{load, ArtifactError, CompiledContract};
pub use encode::{encode_constructor, EncodeError, EncodedConstructor};
pub use suite::{resolve, ContractRequest, InlineContract, Suite, SuiteContract, SuiteError};
