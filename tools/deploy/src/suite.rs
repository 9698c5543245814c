//! A suite: the contracts to deploy together, each with its dependencies and its constructor
//! input, from compiler artifacts and what a manifest adds.
//!
//! Dependencies, in order of precedence:
//! 1. explicit: `dependencies: ["Token"]` in the manifest;
//! 2. a constructor parameter whose ABI `internalType` is `contract X`, for a contract `X` of the
//!    suite and without a value in `constructor_args`: the contract depends on `X`, and the
//!    parameter is bound to `X`'s address by a placeholder the pallet replaces
//!    ([`pallet_batch_deploy::placeholder`]);
//! 3. the source (where the artifacts' sources were found or the manifest gives it): a contract
//!    comes after the suite's contracts defined in files it `import`s, and after those it creates
//!    with `new X(`.
//!
//! Explicit dependencies replace the source-derived ones (3); bound parameters (2) are always
//! dependencies, since the pallet must deploy `X` first to know its address.

use crate::{
	artifact::{decode_hex, CompiledContract},
	encode::{encode_constructor, EncodeError},
};
use alloy_json_abi::JsonAbi;
use pex_primitives::{DependencyGraph, GraphError, NodeIndex};
use serde::Deserialize;
use std::collections::BTreeMap;

/// One contract of a request or manifest (the REST request's shape).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractRequest {
	/// The contract's name: in the artifacts, and in the suite (unique).
	pub contract_name: String,
	/// Bytecode and ABI inline; without them, the contract is looked up by name in the
	/// artifacts.
	#[serde(default)]
	pub compiled_contract: Option<InlineContract>,
	/// The source, to derive dependencies from its imports and `new` expressions.
	#[serde(default)]
	pub source_code: Option<String>,
	/// Contracts of the suite to deploy first. Given, they replace what the source implies.
	#[serde(default)]
	pub dependencies: Option<Vec<String>>,
	/// Constructor arguments by parameter name (an object) or in order (an array), as JSON
	/// values: strings and numbers as Solidity writes them, arrays for arrays and tuples.
	#[serde(default)]
	pub constructor_args: Option<serde_json::Value>,
	/// Balance the contract is endowed with, in the chain's smallest unit.
	#[serde(default)]
	pub value: u128,
	/// Salt of the contract's address, 32 bytes in hex (zero if absent).
	#[serde(default)]
	pub salt: Option<String>,
}

impl ContractRequest {
	/// A request for the artifact `name`, with nothing added.
	pub fn named(name: &str) -> Self {
		Self {
			contract_name: name.to_owned(),
			compiled_contract: None,
			source_code: None,
			dependencies: None,
			constructor_args: None,
			value: 0,
			salt: None,
		}
	}
}

/// Bytecode and ABI given inline.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InlineContract {
	/// Creation bytecode, hex.
	pub bytecode: String,
	/// The ABI, as solc writes it.
	pub abi: serde_json::Value,
}

/// One contract of a resolved suite, ready to become a `ContractSpec` of the pallet.
///
/// Invariants: `dependencies` are indices of other contracts of the suite, ascending; every
/// placeholder in `constructor_input` names one of them.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SuiteContract {
	/// Its name, unique in the suite.
	pub name: String,
	/// Creation bytecode.
	pub code: Vec<u8>,
	/// The ABI-encoded constructor arguments, placeholders for bound dependencies.
	pub constructor_input: Vec<u8>,
	/// Contracts of the suite (indices) that must be deployed first.
	pub dependencies: Vec<NodeIndex>,
	/// Balance it is endowed with.
	pub value: u128,
	/// Salt of its address.
	pub salt: [u8; 32],
}

/// Contracts in request order, dependencies resolved, and the levels they deploy in.
///
/// Invariant: the dependencies form no cycle; `levels` holds every index once, each after all
/// its dependencies' levels.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Suite {
	/// The contracts, in the order they were requested.
	pub contracts: Vec<SuiteContract>,
	/// Indices of the contracts, level by level: a level depends only on earlier ones.
	pub levels: Vec<Vec<NodeIndex>>,
}

/// Why a suite cannot be deployed. Every variant names the contract (and parameter) at fault.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SuiteError {
	/// No contracts were given.
	#[error("the suite has no contracts")]
	Empty,
	/// Two contracts have the same name.
	#[error("two contracts are named `{0}`; names must be unique in a suite")]
	DuplicateName(String),
	/// A contract is neither inline nor in the artifacts.
	#[error("contract `{0}` has no compiled_contract and is not in the artifacts")]
	NotFound(String),
	/// Several artifacts hold a contract of this name.
	#[error("contract `{name}` is in several artifacts ({sources}); give its bytecode inline")]
	Ambiguous {
		/// The name.
		name: String,
		/// Where it was found.
		sources: String,
	},
	/// Inline bytecode or ABI is malformed.
	#[error("contract `{contract}`: {reason}")]
	Malformed {
		/// The contract.
		contract: String,
		/// What is wrong.
		reason: String,
	},
	/// An explicit dependency names no contract of the suite.
	#[error("contract `{contract}` depends on `{dependency}`, which is not in the suite")]
	UnknownDependency {
		/// The contract.
		contract: String,
		/// The dependency it named.
		dependency: String,
	},
	/// A contract depends on itself.
	#[error("contract `{0}` depends on itself")]
	SelfDependency(String),
	/// The dependencies form a cycle.
	#[error("dependency cycle: {}", cycle_text(.0))]
	Cycle(Vec<String>),
	/// The dependency graph was refused for another reason (e.g. more than `u32::MAX` contracts).
	#[error("the suite's dependencies: {0}")]
	Graph(GraphError),
	/// The constructor cannot be encoded (a missing or unbound parameter, a bad value).
	#[error("contract `{contract}`: {error}")]
	Constructor {
		/// The contract.
		contract: String,
		/// Why.
		error: EncodeError,
	},
}

fn cycle_text(members: &[String]) -> String {
	let mut text = members.join(" -> ");
	if let Some(first) = members.first() {
		text.push_str(" -> ");
		text.push_str(first);
	}
	text
}

/// The contract named `name`: inline, or the one artifact of that name.
fn compiled(
	request: &ContractRequest,
	artifacts: &[CompiledContract],
) -> Result<CompiledContract, SuiteError> {
	let name = &request.contract_name;
	if let Some(inline) = &request.compiled_contract {
		let malformed = |reason: String| SuiteError::Malformed { contract: name.clone(), reason };
		let bytecode =
			decode_hex(&inline.bytecode).map_err(|r| malformed(format!("bytecode: {r}")))?;
		if bytecode.is_empty() {
			return Err(malformed("bytecode: empty".into()))
		}
		let abi: JsonAbi = serde_json::from_value(inline.abi.clone())
			.map_err(|error| malformed(format!("abi: {error}")))?;
		return Ok(CompiledContract {
			name: name.clone(),
			bytecode,
			abi,
			source_path: None,
			source_code: request.source_code.clone(),
		})
	}
	let found: Vec<&CompiledContract> = artifacts.iter().filter(|c| &c.name == name).collect();
	match found.as_slice() {
		[] => Err(SuiteError::NotFound(name.clone())),
		[one] => {
			let mut contract = (*one).clone();
			if request.source_code.is_some() {
				contract.source_code = request.source_code.clone();
			}
			Ok(contract)
		},
		many => Err(SuiteError::Ambiguous {
			name: name.clone(),
			sources: many
				.iter()
				.map(|c| c.source_path.as_deref().unwrap_or("?"))
				.collect::<Vec<_>>()
				.join(", "),
		}),
	}
}

/// Resolve `requests` (in order) against `artifacts`: bytecode, dependencies, constructor input
/// and levels. Nothing is deployed; any error leaves nothing behind.
pub fn resolve(
	requests: &[ContractRequest],
	artifacts: &[CompiledContract],
) -> Result<Suite, SuiteError> {
	if requests.is_empty() {
		return Err(SuiteError::Empty)
	}
	let mut index_of: BTreeMap<&str, NodeIndex> = BTreeMap::new();
	for (index, request) in (0..).zip(requests) {
		if index_of.insert(&request.contract_name, index).is_some() {
			return Err(SuiteError::DuplicateName(request.contract_name.clone()))
		}
	}
	let compiled: Vec<CompiledContract> = requests
		.iter()
		.map(|request| compiled(request, artifacts))
		.collect::<Result<_, _>>()?;

	let mut contracts = Vec::with_capacity(requests.len());
	for (index, (request, contract)) in (0..).zip(requests.iter().zip(&compiled)) {
		let name = &request.contract_name;
		let encoded =
			encode_constructor(&contract.abi, request.constructor_args.as_ref(), |dependency| {
				index_of.get(dependency).copied().filter(|&i| i != index)
			})
			.map_err(|error| SuiteError::Constructor { contract: name.clone(), error })?;
		let mut dependencies = encoded.bound;
		match &request.dependencies {
			Some(explicit) =>
				for dependency in explicit {
					match index_of.get(dependency.as_str()) {
						Some(&i) if i == index =>
							return Err(SuiteError::SelfDependency(name.clone())),
						Some(&i) => dependencies.push(i),
						None =>
							return Err(SuiteError::UnknownDependency {
								contract: name.clone(),
								dependency: dependency.clone(),
							}),
					}
				},
			None => dependencies.extend(source_dependencies(index, contract, &compiled)),
		}
		dependencies.sort_unstable();
		dependencies.dedup();
		let salt = match &request.salt {
			None => [0u8; 32],
			Some(hex) => decode_hex(hex)
				.ok()
				.and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
				.ok_or_else(|| SuiteError::Malformed {
					contract: name.clone(),
					reason: format!("salt `{hex}` is not 32 bytes of hex"),
				})?,
		};
		contracts.push(SuiteContract {
			name: name.clone(),
			code: contract.bytecode.clone(),
			constructor_input: encoded.input,
			dependencies,
			value: request.value,
			salt,
		});
	}

	let graph = DependencyGraph::from_dependencies(
		&contracts.iter().map(|c| c.dependencies.clone()).collect::<Vec<_>>(),
	)
	.map_err(|error| graph_error(error, &contracts))?;
	let levels = graph.levels().map_err(|error| graph_error(error, &contracts))?;
	Ok(Suite { contracts, levels })
}

fn graph_error(error: GraphError, contracts: &[SuiteContract]) -> SuiteError {
	let name = |node: NodeIndex| contracts[node as usize].name.clone();
	match error {
		GraphError::Cycle { members } => SuiteError::Cycle(members.into_iter().map(name).collect()),
		GraphError::SelfDependency { node } => SuiteError::SelfDependency(name(node)),
		// Dependencies were checked to be other contracts of the suite; kept for completeness.
		other => SuiteError::Graph(other),
	}
}

/// The contracts of `compiled` (other than `index`) that `contract`'s source imports (every
/// suite contract defined in an imported file) or creates (`new X(`).
fn source_dependencies(
	index: NodeIndex,
	contract: &CompiledContract,
	compiled: &[CompiledContract],
) -> Vec<NodeIndex> {
	let Some(source) = &contract.source_code else { return Vec::new() };
	let imported = imports(source);
	let own_dir = contract
		.source_path
		.as_deref()
		.and_then(|path| path.rsplit_once('/').map(|(dir, _)| dir.to_owned()))
		.unwrap_or_default();
	(0..)
		.zip(compiled)
		.filter(|(other, _)| *other != index)
		.filter(|(_, other)| {
			let imports_its_file = other.source_path.as_deref().is_some_and(|path| {
				imported.iter().any(|import| normalize(&own_dir, import) == normalize("", path))
			});
			imports_its_file || creates(source, &other.name)
		})
		.map(|(other, _)| other)
		.collect()
}

/// The paths of a Solidity source's `import` directives.
fn imports(source: &str) -> Vec<String> {
	let mut paths = Vec::new();
	let mut rest = source;
	while let Some(at) = rest.find("import") {
		let after = &rest[at + "import".len()..];
		let starts_word = rest[..at].chars().next_back().is_none_or(|c| !is_identifier(c));
		let ends_word = after.chars().next().is_some_and(|c| !is_identifier(c));
		if starts_word && ends_word {
			let statement = after.split(';').next().unwrap_or_default();
			if let Some(path) = statement.split('"').nth(1).or_else(|| statement.split('\'').nth(1))
			{
				paths.push(path.to_owned());
			}
		}
		rest = after;
	}
	paths
}

/// Whether `source` holds `new <name>(` (spaces allowed around the name).
fn creates(source: &str, name: &str) -> bool {
	source.match_indices("new").any(|(at, _)| {
		let before_ok = source[..at].chars().next_back().is_none_or(|c| !is_identifier(c));
		let after = source[at + 3..].trim_start();
		before_ok &&
			source[at + 3..].starts_with(char::is_whitespace) &&
			after.strip_prefix(name).is_some_and(|tail| tail.trim_start().starts_with('('))
	})
}

fn is_identifier(c: char) -> bool {
	c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

/// `path` relative to `dir` (when it starts with `./` or `../`), with `.` and `..` resolved.
fn normalize(dir: &str, path: &str) -> String {
	let relative = path.starts_with("./") || path.starts_with("../");
	let mut parts: Vec<&str> =
		if relative { dir.split('/').filter(|p| !p.is_empty()).collect() } else { Vec::new() };
	for part in path.split('/') {
		match part {
			"" | "." => {},
			".." => {
				parts.pop();
			},
			part => parts.push(part),
		}
	}
	parts.join("/")
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn imports_and_new_expressions_are_found_and_words_are_whole() {
		let source = "import \"./Token.sol\";\nimport {Factory} from '../lib/Factory.sol';\n\
		              // reimported is not an import\ncontract R { function f() { new Pool (1); renew Token(); } }";
		assert_eq!(imports(source), vec!["./Token.sol", "../lib/Factory.sol"]);
		assert!(creates(source, "Pool"));
		assert!(!creates(source, "Token"), "`renew` is not `new`");
		assert_eq!(normalize("src/app", "../lib/Factory.sol"), "src/lib/Factory.sol");
		assert_eq!(normalize("src", "./Token.sol"), "src/Token.sol");
		assert_eq!(normalize("src", "lib/X.sol"), "lib/X.sol");
	}

	#[test]
	fn a_cycle_names_its_members_in_order() {
		let error = SuiteError::Cycle(vec!["A".into(), "B".into()]);
		assert_eq!(error.to_string(), "dependency cycle: A -> B -> A");
	}
}
