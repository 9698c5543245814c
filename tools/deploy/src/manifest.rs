//! What to deploy: a manifest file (JSON, or TOML by its extension) listing the contracts, or an
//! artifacts directory (every contract in it, constructors without arguments).

use crate::{
	artifact::{load, ArtifactError, CompiledContract},
	suite::ContractRequest,
};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// A manifest: the contracts of the suite and where their artifacts are.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
	/// The artifacts (a directory or a solc standard-JSON output file), relative to the
	/// manifest. Contracts given inline need none.
	#[serde(default)]
	pub artifacts: Option<PathBuf>,
	/// The contracts, in the order of the batch.
	pub contracts: Vec<ContractRequest>,
}

/// Why the input could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
	/// The manifest could not be read.
	#[error("cannot read {path}: {error}")]
	Io {
		/// The manifest.
		path: PathBuf,
		/// Why.
		error: std::io::Error,
	},
	/// The manifest is not valid JSON or TOML of the manifest's shape.
	#[error("{path}: {reason}")]
	Manifest {
		/// The manifest.
		path: PathBuf,
		/// What is wrong, with the line where the parser knows it.
		reason: String,
	},
	/// The artifacts could not be read.
	#[error(transparent)]
	Artifact(#[from] ArtifactError),
}

/// The requests and artifacts `path` describes: a manifest file, or an artifacts directory (or
/// standard-JSON file) whose every contract is requested in name order.
pub fn read_input(
	path: &Path,
) -> Result<(Vec<ContractRequest>, Vec<CompiledContract>), InputError> {
	let is_manifest = path.is_file() &&
		(path.extension().is_some_and(|e| e == "toml") ||
			std::fs::read_to_string(path).is_ok_and(|text| {
				serde_json::from_str::<serde_json::Value>(&text)
					.is_ok_and(|json| json.get("contracts").is_some_and(|c| c.is_array()))
			}));
	if !is_manifest {
		let artifacts = load(path)?;
		let requests = artifacts
			.iter()
			.map(|contract| ContractRequest::named(&contract.name))
			.collect();
		return Ok((requests, artifacts))
	}
	let text = std::fs::read_to_string(path)
		.map_err(|error| InputError::Io { path: path.to_path_buf(), error })?;
	let manifest: Manifest = if path.extension().is_some_and(|e| e == "toml") {
		toml::from_str(&text).map_err(|error| error.to_string())
	} else {
		serde_json::from_str(&text).map_err(|error| error.to_string())
	}
	.map_err(|reason| InputError::Manifest { path: path.to_path_buf(), reason })?;
	let artifacts = match &manifest.artifacts {
		Some(artifacts) => load(&path.parent().unwrap_or(Path::new(".")).join(artifacts))?,
		None => Vec::new(),
	};
	Ok((manifest.contracts, artifacts))
}
