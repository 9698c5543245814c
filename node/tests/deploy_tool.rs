//! `pex-deploy` against a running `pex-node --dev`: the Solidity suite (Token; Factory(Token);
//! Router(Token, Factory)) from a JSON manifest over Foundry's layout and a TOML manifest over
//! Hardhat's resolves to the same batch, and the runtime's dry run (`BatchDeployApi::plan`)
//! orders it Token, Factory, Router with three distinct predicted addresses; a batch the runtime
//! refuses comes back as an error naming the contract. Deployed, the suite lands at the predicted
//! addresses and its contracts answer as their constructors set them up; a reverting constructor
//! deploys nothing in all-or-nothing mode, and only its contract fails in best-effort mode.

mod common;

use common::{abi_address, dry_run, TestDir, TestNode};
use pallet_batch_deploy::DeployMode;
use pex_deploy::{
	client::DeployClient,
	deploy::deploy,
	manifest::read_input,
	plan::{plan_error_text, report},
	resolve,
	spec::to_specs,
	ContractRequest,
};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/deploy/fixtures/suite")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_runtime_plans_the_suite_from_either_manifest_and_names_what_it_refuses() {
	let dir = TestDir::new("deploy-tool");
	let node = TestNode::start(&dir.path().join("dev"), &["--dev"]);
	let client = node.connected(|url| async move { DeployClient::connect(&url).await }).await;
	let alice = pex_runtime::AccountId::from(subxt_signer::sr25519::dev::alice().public_key().0);

	let mut reports = Vec::new();
	for manifest in ["manifest.json", "manifest.toml"] {
		let (requests, artifacts) = read_input(&fixtures().join(manifest)).expect("the manifest");
		let suite = resolve(&requests, &artifacts).expect("the suite resolves");
		let specs = to_specs(&suite).expect("within the runtime's bounds");
		let plan = client
			.plan(&alice, &specs)
			.await
			.expect("the node answers")
			.unwrap_or_else(|error| panic!("{}", plan_error_text(&error, &suite)));
		reports.push(report(&suite, &plan));
	}
	assert_eq!(reports[0], reports[1], "both layouts give the same batch");
	let report = &reports[0];
	assert_eq!(report.levels, vec![vec!["Token"], vec!["Factory"], vec!["Router"]]);
	let router = &report.contracts[0];
	assert_eq!(router.contract_name, "Router");
	assert_eq!(router.dependencies, vec!["Factory", "Token"]);
	assert_eq!(router.input_bytes, 64, "two placeholders");
	let mut addresses: Vec<&str> =
		report.contracts.iter().map(|c| c.contract_address.as_str()).collect();
	assert!(addresses.iter().all(|a| a.len() == 42 && a.starts_with("0x")), "{addresses:?}");
	addresses.sort();
	addresses.dedup();
	assert_eq!(addresses.len(), 3, "three distinct addresses");

	// Two contracts of the same code, input and salt would share an address: the runtime says
	// which one, and the tool names it.
	let (_, artifacts) = read_input(&fixtures().join("manifest.json")).expect("the manifest");
	let mut token = ContractRequest::named("Token");
	token.constructor_args = Some(serde_json::json!(["PEX", 1]));
	let mut twin = token.clone();
	twin.contract_name = "Twin".into();
	twin.compiled_contract = Some(pex_deploy::InlineContract {
		bytecode: format!(
			"0x{}",
			artifacts[2].bytecode.iter().map(|b| format!("{b:02x}")).collect::<String>()
		),
		abi: serde_json::to_value(&artifacts[2].abi).expect("an ABI"),
	});
	let suite = resolve(&[token, twin], &artifacts).expect("the suite resolves locally");
	let refused = client
		.plan(&alice, &to_specs(&suite).expect("bounds"))
		.await
		.expect("the node answers")
		.expect_err("the runtime refuses a duplicate address");
	let text = plan_error_text(&refused, &suite);
	assert!(text.contains("`Twin`") && text.contains("another salt"), "{text}");

	// When the suite is deployed, it lands where the plan said, and answers as its constructors
	// set it up.
	let (requests, artifacts) = read_input(&fixtures().join("manifest.json")).expect("manifest");
	let suite = resolve(&requests, &artifacts).expect("the suite resolves");
	let alice_key = subxt_signer::sr25519::dev::alice();
	let specs = to_specs(&suite).expect("bounds");
	let deployed = deploy(client.rpc(), &alice_key, &suite, specs, DeployMode::AllOrNothing)
		.await
		.expect("the node answers");
	assert!(deployed.success, "{deployed:?}");
	assert_eq!(
		(deployed.success_count, deployed.failed_count, deployed.batches_deployed),
		(3, 0, 1)
	);
	assert_eq!(deployed.parallel_count, 1, "one contract per level");
	for (deployment, planned) in deployed.deployments.iter().zip(&report.contracts) {
		assert_eq!(deployment.status, "deployed");
		assert_eq!(deployment.contract_address.as_deref(), Some(planned.contract_address.as_str()));
		assert!(deployment.block_number > 0 && deployment.transaction_hash.starts_with("0x"));
	}
	let address = |name: &str| {
		let at = deployed.deployments.iter().find(|d| d.contract_name == name).expect(name);
		let text = at.contract_address.as_deref().expect("an address");
		sp_core::H160::from_slice(&pex_deploy::artifact::decode_hex(text).expect("hex"))
	};
	let node_client = node.client().await;
	assert_eq!(
		abi_address(&dry_run(&node_client, address("Router"), "token()").await),
		address("Token")
	);
	assert_eq!(
		abi_address(&dry_run(&node_client, address("Router"), "factory()").await),
		address("Factory")
	);
	assert_eq!(
		abi_address(&dry_run(&node_client, address("Factory"), "token()").await),
		address("Token")
	);

	// When Router's factory is no factory, its constructor reverts: all or nothing deploys
	// nothing and says why; best effort deploys Token and Factory and fails Router alone.
	let broken = |salt: &str| {
		let mut requests = requests.clone();
		requests[0].constructor_args =
			Some(serde_json::json!({"factory_": "0x00000000000000000000000000000000000000aa"}));
		requests[0].dependencies = Some(vec!["Factory".into()]);
		for request in &mut requests {
			request.salt = Some(salt.repeat(32));
		}
		resolve(&requests, &artifacts).expect("resolves locally")
	};
	let suite = broken("01");
	let all_or_nothing = deploy(
		client.rpc(),
		&alice_key,
		&suite,
		to_specs(&suite).expect("bounds"),
		DeployMode::AllOrNothing,
	)
	.await
	.expect("the node answers");
	assert!(!all_or_nothing.success);
	assert_eq!(all_or_nothing.failed_count, 3, "{all_or_nothing:?}");
	assert!(all_or_nothing.deployments.iter().all(|d| d.contract_address.is_none()));
	let why = all_or_nothing.deployments[0].error.as_deref().expect("an error");
	assert!(why.contains("the batch failed"), "{why}");
	let suite = broken("02");
	let best_effort = deploy(
		client.rpc(),
		&alice_key,
		&suite,
		to_specs(&suite).expect("bounds"),
		DeployMode::BestEffort,
	)
	.await
	.expect("the node answers");
	assert_eq!((best_effort.success_count, best_effort.failed_count), (2, 1), "{best_effort:?}");
	let router = &best_effort.deployments[0];
	assert_eq!((router.contract_name.as_str(), router.status), ("Router", "failed"));
	assert!(router.error.is_some());
}
