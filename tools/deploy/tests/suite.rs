//! The Solidity suite (Token; Factory(Token); Router(Token, Factory)) from solc's standard-JSON
//! output, a Foundry `out/` and a Hardhat `artifacts/` (`fixtures/suite`, compiled by solc 0.8.28,
//! see `compile.js`): the same suite from each, and every input error named.

use alloy_dyn_abi::DynSolValue;
use alloy_primitives::U256;
use pallet_batch_deploy::placeholder::placeholder;
use pex_deploy::{load, resolve, ArtifactError, ContractRequest, EncodeError, SuiteError};
use serde_json::json;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/suite")
}

fn requests(value: serde_json::Value) -> Vec<ContractRequest> {
	serde_json::from_value(value).expect("requests of the REST shape")
}

fn the_suite() -> Vec<ContractRequest> {
	requests(json!([
		{"contract_name": "Router"},
		{"contract_name": "Factory"},
		{"contract_name": "Token", "constructor_args": {"name_": "PEX", "supply": "1000000"}},
	]))
}

#[test]
fn every_layout_gives_the_same_suite_with_bound_constructors_and_levels() {
	let mut suites = Vec::new();
	for layout in ["solc-output.json", "out", "artifacts"] {
		let artifacts = load(&fixtures().join(layout)).unwrap();
		let names: Vec<&str> = artifacts.iter().map(|c| c.name.as_str()).collect();
		assert_eq!(names, ["Factory", "Router", "Token"], "{layout}");
		assert!(artifacts.iter().all(|c| c.source_code.is_some()), "{layout}: sources found");
		suites.push(resolve(&the_suite(), &artifacts).unwrap());
	}
	assert!(suites.windows(2).all(|w| w[0] == w[1]), "the layouts agree");
	let suite = &suites[0];
	// Router (0) needs Token (2) and Factory (1); Factory needs Token.
	assert_eq!(suite.levels, vec![vec![2], vec![1], vec![0]]);
	assert_eq!(suite.contracts[0].dependencies, vec![1, 2]);
	assert_eq!(suite.contracts[1].dependencies, vec![2]);
	assert_eq!(suite.contracts[0].constructor_input, [placeholder(2), placeholder(1)].concat());
	assert_eq!(suite.contracts[1].constructor_input, placeholder(2).to_vec());
	let token_args = DynSolValue::Tuple(vec![
		DynSolValue::String("PEX".into()),
		DynSolValue::Uint(U256::from(1_000_000u64), 256),
	]);
	assert_eq!(suite.contracts[2].constructor_input, token_args.abi_encode_params());
	assert!(suite.contracts.iter().all(|c| !c.code.is_empty() && c.salt == [0; 32]));
}

#[test]
fn imports_order_a_contract_unless_explicit_dependencies_say_otherwise() {
	let artifacts = load(&fixtures().join("out")).unwrap();
	let token = json!({"contract_name": "Token", "constructor_args": ["PEX", 1]});
	let address = "0x00000000000000000000000000000000000000aa";
	// Factory's token is given as an address: no binding, but Factory.sol imports Token.sol.
	let by_import = requests(json!([
		{"contract_name": "Factory", "constructor_args": {"token_": address}},
		token.clone(),
	]));
	let suite = resolve(&by_import, &artifacts).unwrap();
	assert_eq!(suite.contracts[0].dependencies, vec![1]);
	assert_eq!(suite.levels, vec![vec![1], vec![0]]);
	let explicit = requests(json!([
		{"contract_name": "Factory", "constructor_args": {"token_": address}, "dependencies": []},
		token,
	]));
	let suite = resolve(&explicit, &artifacts).unwrap();
	assert!(suite.contracts[0].dependencies.is_empty());
	assert_eq!(suite.levels, vec![vec![0, 1]]);
}

#[test]
fn suite_errors_name_the_contract_and_what_is_wrong() {
	let artifacts = load(&fixtures().join("artifacts")).unwrap();
	let token = json!({"contract_name": "Token", "constructor_args": ["PEX", 1]});
	let error = |value| resolve(&requests(value), &artifacts).unwrap_err();

	let cycle = error(json!([
		{"contract_name": "Token", "constructor_args": ["PEX", 1], "dependencies": ["Factory"]},
		{"contract_name": "Factory"},
	]));
	assert_eq!(cycle, SuiteError::Cycle(vec!["Token".into(), "Factory".into()]));
	assert_eq!(cycle.to_string(), "dependency cycle: Token -> Factory -> Token");

	assert_eq!(
		error(json!([token.clone(), {"contract_name": "Factory", "dependencies": ["Vault"]}])),
		SuiteError::UnknownDependency { contract: "Factory".into(), dependency: "Vault".into() }
	);
	let unbound = error(json!([{"contract_name": "Factory"}]));
	assert_eq!(
		unbound,
		SuiteError::Constructor {
			contract: "Factory".into(),
			error: EncodeError::Unbound {
				parameter: "token_".into(),
				internal_type: "contract Token".into()
			}
		}
	);
	assert!(unbound.to_string().contains("`token_` (contract Token)"), "{unbound}");
	assert_eq!(error(json!([token.clone(), token])), SuiteError::DuplicateName("Token".into()));
	assert_eq!(error(json!([{"contract_name": "Vault"}])), SuiteError::NotFound("Vault".into()));
	assert_eq!(error(json!([])), SuiteError::Empty);
	assert!(matches!(
		error(json!([{"contract_name": "X", "compiled_contract": {"bytecode": "0x6z", "abi": []}}])),
		SuiteError::Malformed { contract, .. } if contract == "X"
	));
	assert!(matches!(
		error(
			json!([{"contract_name": "Token", "constructor_args": {"name_": "PEX", "supply": "lots"}}])
		),
		SuiteError::Constructor { error: EncodeError::BadValue { .. }, .. }
	));
}

#[test]
fn malformed_artifacts_are_refused_with_the_file_named() {
	let dir = std::env::temp_dir().join(format!("pex-deploy-artifacts-{}", std::process::id()));
	std::fs::create_dir_all(&dir).unwrap();
	let bad_json = dir.join("bad.json");
	std::fs::write(&bad_json, "{ not json").unwrap();
	assert!(matches!(load(&bad_json), Err(ArtifactError::Json { path, .. }) if path == bad_json));
	let no_bytecode = dir.join("NoCode.json");
	std::fs::write(&no_bytecode, r#"{"abi": []}"#).unwrap();
	let error = load(&no_bytecode).unwrap_err();
	assert!(error.to_string().contains("no `bytecode`"), "{error}");
	let neither = dir.join("other.json");
	std::fs::write(&neither, r#"{"hello": 1}"#).unwrap();
	assert!(matches!(load(&neither), Err(ArtifactError::Malformed { .. })));
	std::fs::remove_file(&bad_json).unwrap();
	std::fs::remove_file(&no_bytecode).unwrap();
	let only_other = load(&dir).unwrap_err();
	assert!(matches!(only_other, ArtifactError::Empty { .. }), "{only_other}");
	assert!(matches!(load(&dir.join("missing")), Err(ArtifactError::Io { .. })));
	std::fs::remove_dir_all(&dir).unwrap();
}
