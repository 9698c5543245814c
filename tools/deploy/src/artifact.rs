//! Compiled contracts as compilers write them: solc's standard-JSON output, Foundry's
//! `out/<File>.sol/<Contract>.json`, Hardhat's `artifacts/**/<Contract>.json`, or bytecode and
//! ABI given inline.

use alloy_json_abi::JsonAbi;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// One contract a compiler produced.
///
/// Invariant: `bytecode` is the creation code (what a deployment runs), never empty.
#[derive(Clone, PartialEq, Debug)]
pub struct CompiledContract {
	/// The contract's name in its source (`contract Token { ... }`).
	pub name: String,
	/// Creation bytecode.
	pub bytecode: Vec<u8>,
	/// The contract's ABI.
	pub abi: JsonAbi,
	/// The source file it was compiled from, as the compiler named it (e.g. `src/Token.sol`).
	pub source_path: Option<String>,
	/// That file's text, where it could be found next to the artifacts.
	pub source_code: Option<String>,
}

/// Why artifacts could not be read. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
	/// The file or directory could not be read.
	#[error("cannot read {path}: {error}")]
	Io {
		/// What was read.
		path: PathBuf,
		/// Why it failed.
		error: std::io::Error,
	},
	/// The file is not JSON.
	#[error("{path} is not JSON: {error}")]
	Json {
		/// The file.
		path: PathBuf,
		/// Where and why parsing failed.
		error: serde_json::Error,
	},
	/// The JSON is none of the artifact formats, or a field is missing or has the wrong type.
	#[error("{path}: {reason}")]
	Malformed {
		/// The file.
		path: PathBuf,
		/// What is wrong, in words.
		reason: String,
	},
	/// A directory held no contract with creation code.
	#[error("no compiled contract (with creation bytecode) found under {path}")]
	Empty {
		/// The directory.
		path: PathBuf,
	},
}

/// Bytecode from its hex text (`0x` optional). A library placeholder (`__$...$__`) left by the
/// linker is refused: such code cannot be deployed as it is.
pub fn decode_hex(text: &str) -> Result<Vec<u8>, String> {
	let digits = text.trim().strip_prefix("0x").unwrap_or(text.trim());
	if digits.contains("__") {
		return Err("the bytecode links a library (a `__$...$__` placeholder); link it first".into())
	}
	if !digits.len().is_multiple_of(2) {
		return Err(format!("odd number of hex digits ({})", digits.len()))
	}
	let nibble = |c: u8| match c {
		b'0'..=b'9' => Ok(c - b'0'),
		b'a'..=b'f' => Ok(c - b'a' + 10),
		b'A'..=b'F' => Ok(c - b'A' + 10),
		_ => Err(format!("`{}` is not a hex digit", c as char)),
	};
	digits
		.as_bytes()
		.chunks(2)
		.map(|pair| Ok(nibble(pair[0])? << 4 | nibble(pair[1])?))
		.collect()
}

/// Every deployable contract in `path`: a solc standard-JSON output file, a Foundry or Hardhat
/// artifact file, or a directory holding such files (a Foundry `out/`, a Hardhat `artifacts/`,
/// searched recursively; Hardhat's `*.dbg.json` and `build-info/` are skipped). Contracts
/// without creation code (interfaces, abstract contracts) are left out. Sorted by name, then
/// source path, so the result does not depend on the directory's order.
pub fn load(path: &Path) -> Result<Vec<CompiledContract>, ArtifactError> {
	let io = |error| ArtifactError::Io { path: path.to_path_buf(), error };
	let mut contracts = if path.is_dir() {
		let mut files = Vec::new();
		collect_json_files(path, &mut files)?;
		let mut contracts = Vec::new();
		for file in files {
			contracts.extend(load_file(&file, Some(path))?);
		}
		if contracts.is_empty() {
			return Err(ArtifactError::Empty { path: path.to_path_buf() })
		}
		contracts
	} else {
		std::fs::metadata(path).map_err(io)?;
		load_file(path, None)?
	};
	contracts.sort_by(|a, b| (&a.name, &a.source_path).cmp(&(&b.name, &b.source_path)));
	Ok(contracts)
}

fn collect_json_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), ArtifactError> {
	let io = |error| ArtifactError::Io { path: dir.to_path_buf(), error };
	let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
		.map_err(io)?
		.map(|entry| entry.map(|entry| entry.path()))
		.collect::<Result<_, _>>()
		.map_err(io)?;
	entries.sort();
	for entry in entries {
		let name = entry.file_name().and_then(|n| n.to_str()).unwrap_or_default();
		if entry.is_dir() {
			if name != "build-info" {
				collect_json_files(&entry, files)?;
			}
		} else if name.ends_with(".json") && !name.ends_with(".dbg.json") {
			files.push(entry);
		}
	}
	Ok(())
}

/// The contracts of one JSON file. `root` is the artifacts directory it was found in (its
/// parent is taken as the project root, where sources are looked up).
fn load_file(path: &Path, root: Option<&Path>) -> Result<Vec<CompiledContract>, ArtifactError> {
	let text = std::fs::read_to_string(path)
		.map_err(|error| ArtifactError::Io { path: path.to_path_buf(), error })?;
	let json: Value = serde_json::from_str(&text)
		.map_err(|error| ArtifactError::Json { path: path.to_path_buf(), error })?;
	let malformed = |reason: String| ArtifactError::Malformed { path: path.to_path_buf(), reason };
	let project = root.and_then(Path::parent).or_else(|| path.parent());
	if let Some(per_source) = json.get("contracts").and_then(Value::as_object) {
		// solc standard-JSON output: contracts by source path, then by name.
		let mut contracts = Vec::new();
		for (source_path, by_name) in per_source {
			let by_name = by_name
				.as_object()
				.ok_or_else(|| malformed(format!("`contracts.{source_path}` is not an object")))?;
			for (name, contract) in by_name {
				let at = format!("contracts.{source_path}.{name}");
				let bytecode = contract.pointer("/evm/bytecode/object").and_then(Value::as_str);
				let Some(bytecode) = bytecode.filter(|code| !code.is_empty()) else { continue };
				let abi = contract.get("abi").ok_or_else(|| {
					malformed(format!("`{at}` has no `abi` (add it to outputSelection)"))
				})?;
				contracts.push(
					contract_of(name, bytecode, abi, Some(source_path.clone()), project)
						.map_err(|reason| malformed(format!("`{at}`: {reason}")))?,
				);
			}
		}
		return Ok(contracts)
	}
	let Some(abi) = json.get("abi") else {
		// Other JSON under an artifacts directory (caches, metadata) is not a contract.
		return match root {
			Some(_) => Ok(Vec::new()),
			None => Err(malformed(
				"neither solc standard-JSON output (`contracts`) nor a Foundry or Hardhat \
				 artifact (`abi`, `bytecode`)"
					.into(),
			)),
		}
	};
	// Hardhat: `bytecode` is a hex string and `contractName`, `sourceName` name the contract.
	// Foundry: `bytecode.object`; the name is the file's, the source the compilation target.
	let (bytecode, name, source_path) = match json.get("bytecode") {
		Some(Value::String(code)) => (
			Some(code.as_str()),
			json.get("contractName").and_then(Value::as_str).map(str::to_owned),
			json.get("sourceName").and_then(Value::as_str).map(str::to_owned),
		),
		Some(object) => (
			object.get("object").and_then(Value::as_str),
			None,
			json.pointer("/metadata/settings/compilationTarget")
				.and_then(Value::as_object)
				.and_then(|target| target.keys().next().cloned())
				.or_else(|| {
					json.pointer("/ast/absolutePath").and_then(Value::as_str).map(str::to_owned)
				}),
		),
		None => return Err(malformed("the artifact has an `abi` but no `bytecode`".into())),
	};
	let name = match name {
		Some(name) => name,
		None => path
			.file_stem()
			.and_then(|stem| stem.to_str())
			.map(str::to_owned)
			.ok_or_else(|| malformed("the file name is not a contract name".into()))?,
	};
	let Some(bytecode) = bytecode.filter(|code| !code.trim_start_matches("0x").is_empty()) else {
		return Ok(Vec::new())
	};
	let contract = contract_of(&name, bytecode, abi, source_path, project).map_err(malformed)?;
	Ok(vec![contract])
}

fn contract_of(
	name: &str,
	bytecode: &str,
	abi: &Value,
	source_path: Option<String>,
	project: Option<&Path>,
) -> Result<CompiledContract, String> {
	let bytecode = decode_hex(bytecode).map_err(|reason| format!("bytecode: {reason}"))?;
	let abi: JsonAbi =
		serde_json::from_value(abi.clone()).map_err(|error| format!("abi: {error}"))?;
	let source_code = match (&source_path, project) {
		(Some(source), Some(project)) => std::fs::read_to_string(project.join(source)).ok(),
		_ => None,
	};
	Ok(CompiledContract { name: name.to_owned(), bytecode, abi, source_path, source_code })
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn hex_with_or_without_prefix_and_clear_errors_for_the_rest() {
		assert_eq!(decode_hex("0x60aB"), Ok(vec![0x60, 0xab]));
		assert_eq!(decode_hex("60ab\n"), Ok(vec![0x60, 0xab]));
		assert!(decode_hex("0x6").unwrap_err().contains("odd"));
		assert!(decode_hex("0x6g").unwrap_err().contains("`g`"));
		assert!(decode_hex("0x60__$abc$__60").unwrap_err().contains("library"));
	}
}
