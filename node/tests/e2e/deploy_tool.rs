//! `pex-deploy` against a running `pex-node --dev`: the Solidity suite (Token; Factory(Token);
//! Router(Token, Factory)) from a JSON manifest over Foundry's layout and a TOML manifest over
//! Hardhat's resolves to the same batch, and the runtime's dry run (`BatchDeployApi::plan`)
//! orders it Token, Factory, Router with three distinct predicted addresses; a batch the runtime
//! refuses comes back as an error naming the contract. Deployed, the suite lands at the predicted
//! addresses and its contracts answer as their constructors set them up; a reverting constructor
//! deploys nothing in all-or-nothing mode, and only its contract fails in best-effort mode. Split
//! into one contract per batch, or sent one contract per extrinsic all at once, the suite gets the
//! same addresses as in one batch (for the same salt) and its contracts find each other.

use crate::common::{abi_address, dry_run, TestDir, TestNode};
use pallet_batch_deploy::DeployMode;
use pex_deploy::{
	deploy::{deploy, DeployReport, Progress},
	manifest::read_input,
	plan::report,
	prepare::prepare,
	CompiledContract, ContractRequest, DeployClient, Error, Strategy,
};
use std::{
	collections::BTreeSet,
	path::{Path, PathBuf},
};

const ONE_BATCH: Strategy = Strategy::Batch { max_contracts: 16 };

fn fixtures() -> PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/deploy/fixtures/suite")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_runtime_plans_the_suite_from_either_manifest_and_names_what_it_refuses() {
	let dir = TestDir::new("deploy-tool");
	let node = TestNode::start(&dir.path().join("dev"), &["--dev"]);
	let client = node.connected(|url| async move { DeployClient::connect(&url).await }).await;
	let alice = subxt_signer::sr25519::dev::alice();
	let prepared =
		|requests: Vec<ContractRequest>, artifacts: Vec<CompiledContract>, strategy, mode| {
			let (client, alice) = (&client, &alice);
			async move { prepare(client, alice, &requests, &artifacts, strategy, mode).await }
		};

	let mut reports = Vec::new();
	for manifest in ["manifest.json", "manifest.toml"] {
		let (requests, artifacts) = read_input(&fixtures().join(manifest)).expect("the manifest");
		let prepared = prepared(requests, artifacts, ONE_BATCH, DeployMode::AllOrNothing)
			.await
			.unwrap_or_else(|error| panic!("{error}"));
		reports.push(report(&prepared));
	}
	assert_eq!(reports[0], reports[1], "both layouts give the same batch");
	let report = &reports[0];
	assert_eq!(report.extrinsics.len(), 1, "one batch");
	let batch = &report.extrinsics[0];
	assert!(batch.weight_ref_time > 0 && batch.fee > 0, "{batch:?}");
	assert_eq!(report.total_fee, batch.fee);
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
	let refused = prepared(vec![token, twin], artifacts, ONE_BATCH, DeployMode::AllOrNothing)
		.await
		.expect_err("the runtime refuses a duplicate address");
	let text = refused.to_string();
	assert!(matches!(refused, Error::Refused(_)), "{text}");
	assert!(text.contains("`Twin`") && text.contains("another salt"), "{text}");

	// When the suite is deployed, it lands where the plan said, and answers as its constructors
	// set it up.
	let (requests, artifacts) = read_input(&fixtures().join("manifest.json")).expect("manifest");
	let node_client = node.client().await;
	let answers = |deployed: DeployReport| {
		let node_client = &node_client;
		async move {
			let address = |name: &str| {
				let at = deployed.deployments.iter().find(|d| d.contract_name == name).expect(name);
				let text = at.contract_address.as_deref().expect("an address");
				sp_core::H160::from_slice(&pex_deploy::artifact::decode_hex(text).expect("hex"))
			};
			for (contract, function, answer) in [
				("Router", "token()", "Token"),
				("Router", "factory()", "Factory"),
				("Factory", "token()", "Token"),
			] {
				let word = dry_run(node_client, address(contract), function).await;
				assert_eq!(abi_address(&word), address(answer), "{contract}.{function}");
			}
		}
	};
	let suite = prepared(requests.clone(), artifacts.clone(), ONE_BATCH, DeployMode::AllOrNothing)
		.await
		.expect("the suite prepares");
	let mut events = Vec::new();
	let deployed = deploy(&client, &alice, &suite, DeployMode::AllOrNothing, |p| events.push(p))
		.await
		.expect("the node answers");
	assert!(deployed.success, "{deployed:?}");
	assert_eq!(
		(deployed.success_count, deployed.failed_count, deployed.batches_deployed),
		(3, 0, 1)
	);
	assert_eq!((deployed.parallel_count, deployed.blocks_used), (3, 1));
	assert!(
		matches!(
			events.as_slice(),
			[
				Progress::Sent { extrinsic: 0, of: 1 },
				Progress::Included { extrinsic: 0, .. },
				Progress::Finalized { extrinsic: 0 }
			]
		),
		"{events:?}"
	);
	for (deployment, planned) in deployed.deployments.iter().zip(&report.contracts) {
		assert_eq!(deployment.status, "deployed");
		assert_eq!(deployment.contract_address.as_deref(), Some(planned.contract_address.as_str()));
		assert!(deployment.block_number.is_some_and(|n| n > 0));
		assert!(deployment.transaction_hash.as_deref().is_some_and(|h| h.starts_with("0x")));
		// Each deployment's gas is its own: more than a plain transfer's 21,000 (code and
		// storage deposit), and different per contract (Router's constructor calls Factory).
		assert!(deployment.gas_used.is_some_and(|gas| gas > 21_000), "{deployment:?}");
	}
	let gas: BTreeSet<_> = deployed.deployments.iter().map(|d| d.gas_used).collect();
	assert_eq!(gas.len(), 3, "three contracts, three gas figures: {gas:?}");
	answers(deployed).await;

	// One contract per batch, and one per extrinsic all at once: the same addresses as one batch
	// of the same salt, the same answers.
	for (salt, strategy, extrinsics) in
		[("03", Strategy::Batch { max_contracts: 1 }, 3), ("04", Strategy::Pipelined, 3)]
	{
		let mut requests = requests.clone();
		for request in &mut requests {
			request.salt = Some(salt.repeat(32));
		}
		let whole =
			prepared(requests.clone(), artifacts.clone(), ONE_BATCH, DeployMode::AllOrNothing)
				.await
				.expect("prepares as one batch");
		let split = prepared(requests, artifacts.clone(), strategy, DeployMode::AllOrNothing)
			.await
			.expect("prepares split");
		assert_eq!(split.batches.len(), extrinsics);
		assert_eq!(whole.addresses, split.addresses, "{strategy:?}");
		let deployed = deploy(&client, &alice, &split, DeployMode::AllOrNothing, |_| {})
			.await
			.expect("the node answers");
		assert!(deployed.success, "{strategy:?}: {deployed:?}");
		assert_eq!((deployed.batches_deployed, deployed.parallel_count), (extrinsics, 1));
		answers(deployed).await;
	}

	// When Router's factory is no factory, its constructor reverts: all or nothing deploys
	// nothing and says why; best effort deploys Token and Factory and fails Router alone.
	let broken = |salt: &str, mode| {
		let mut requests = requests.clone();
		requests[0].constructor_args =
			Some(serde_json::json!({"factory_": "0x00000000000000000000000000000000000000aa"}));
		requests[0].dependencies = Some(vec!["Factory".into()]);
		for request in &mut requests {
			request.salt = Some(salt.repeat(32));
		}
		let prepared = prepared(requests, artifacts.clone(), ONE_BATCH, mode);
		let (client, alice) = (&client, &alice);
		async move {
			let suite = prepared.await.expect("prepares");
			deploy(client, alice, &suite, mode, |_| {}).await.expect("the node answers")
		}
	};
	let all_or_nothing = broken("01", DeployMode::AllOrNothing).await;
	assert!(!all_or_nothing.success);
	assert_eq!(all_or_nothing.failed_count, 3, "{all_or_nothing:?}");
	assert!(all_or_nothing.deployments.iter().all(|d| d.contract_address.is_none()));
	let why = all_or_nothing.deployments[0].error.as_deref().expect("an error");
	assert!(why.contains("the extrinsic failed") && why.contains("Revert"), "{why}");
	let best_effort = broken("02", DeployMode::BestEffort).await;
	assert_eq!((best_effort.success_count, best_effort.failed_count), (2, 1), "{best_effort:?}");
	let router = &best_effort.deployments[0];
	assert_eq!((router.contract_name.as_str(), router.status), ("Router", "failed"));
	assert!(router.error.is_some());
}
