//! Everything that can stop a deployment before or while it is sent, each in words a dApp team
//! can act on. Any error before the first extrinsic is sent leaves the chain untouched.

use crate::{client::ClientError, manifest::InputError, spec::SpecError, suite::SuiteError};

/// Why a suite could not be planned or deployed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
	/// The manifest or artifacts could not be read.
	#[error(transparent)]
	Input(#[from] InputError),
	/// The request is malformed (bad JSON, unknown fields, a key in the body).
	#[error("{0}")]
	Request(String),
	/// The suite is not deployable (cycle, unknown dependency, unbound parameter, ...).
	#[error(transparent)]
	Suite(#[from] SuiteError),
	/// A contract exceeds one of the runtime's bounds.
	#[error(transparent)]
	Spec(#[from] SpecError),
	/// The deployer's key is not a valid secret URI.
	#[error("the deployer's key is not a valid secret URI (such as `//Alice` or a mnemonic)")]
	Key,
	/// The node could not be asked, or answered unexpectedly.
	#[error(transparent)]
	Client(#[from] ClientError),
	/// The runtime's dry run refuses a batch: why, its contracts named.
	#[error("the runtime refuses the batch: {0}")]
	Refused(String),
	/// The runtime predicts another address than this tool: the node does not run the runtime
	/// this tool was built for.
	#[error(
		"contract `{contract}`: the runtime predicts address {runtime}, this tool {tool}; is the \
		 node running pex-runtime of this release?"
	)]
	AddressMismatch {
		/// The contract.
		contract: String,
		/// The runtime's prediction.
		runtime: String,
		/// This tool's.
		tool: String,
	},
}
