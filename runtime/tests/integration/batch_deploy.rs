//! pallet-batch-deploy through pallet-revive, with the Solidity suite compiled by solc
//! (`runtime/fixtures/solidity`): one extrinsic deploys Token, Factory and Router, each
//! constructor receiving its dependencies' addresses, and the contracts answer calls afterwards.

use crate::common::*;
use frame_support::{traits::Get, weights::Weight, BoundedVec};
use pallet_batch_deploy::{
	placeholder::placeholder, ContractSpecOf, DependencyRef, DeployMode, Deployer, Deployments,
};
use pallet_revive::{ExecConfig, TransactionLimits, H160};
use pex_primitives::AccessKey;
use pex_runtime::{
	parallel, BatchDeploy, Executive, Revive, ReviveDeployer, Runtime, RuntimeCall, RuntimeOrigin,
};
use sp_keyring::Sr25519Keyring::{Alice, Bob};

/// The creation bytecode of a contract of the suite.
fn bytecode(name: &str) -> Vec<u8> {
	let path = format!("{}/fixtures/solidity/{name}.bin", env!("CARGO_MANIFEST_DIR"));
	let hex = std::fs::read_to_string(&path).expect("the fixture exists; see its README");
	(0..hex.trim().len())
		.step_by(2)
		.map(|i| u8::from_str_radix(&hex.trim()[i..i + 2], 16).expect("hex"))
		.collect()
}

fn spec(name: &str, dependencies: Vec<u32>, input: Vec<u8>) -> ContractSpecOf<Runtime> {
	ContractSpecOf::<Runtime> {
		name: BoundedVec::truncate_from(name.as_bytes().to_vec()),
		code: BoundedVec::truncate_from(bytecode(name)),
		constructor_input: BoundedVec::truncate_from(input),
		dependencies: BoundedVec::truncate_from(
			dependencies.into_iter().map(DependencyRef::Index).collect(),
		),
		value: 0,
		salt: [7; 32],
	}
}

/// Router (needs Token and Factory), Factory (needs Token), Token: sent dependents first.
fn suite() -> Vec<ContractSpecOf<Runtime>> {
	vec![
		spec("Router", vec![2, 1], [placeholder(2), placeholder(1)].concat()),
		spec("Factory", vec![2], placeholder(2).to_vec()),
		spec("Token", vec![], vec![]),
	]
}

fn batch_deploy(contracts: Vec<ContractSpecOf<Runtime>>) -> RuntimeCall {
	RuntimeCall::BatchDeploy(pallet_batch_deploy::Call::batch_deploy {
		contracts: BoundedVec::truncate_from(contracts),
		mode: DeployMode::AllOrNothing,
	})
}

/// Call a view function without arguments; its 32-byte return word.
fn view(contract: H160, signature: &str) -> Vec<u8> {
	let selector = sp_io::hashing::keccak_256(signature.as_bytes())[..4].to_vec();
	let output = Revive::bare_call(
		RuntimeOrigin::signed(Alice.to_account_id()),
		contract,
		0u32.into(),
		TransactionLimits::WeightAndDeposit {
			weight_limit: Weight::from_parts(1_000_000_000_000, 10 * 1024 * 1024),
			deposit_limit: u128::MAX,
		},
		selector,
		&ExecConfig::new_substrate_tx(),
	);
	let returned = output.result.expect("the call succeeds");
	assert!(!returned.did_revert(), "{signature} reverted");
	returned.data
}

fn word(address: H160) -> Vec<u8> {
	ReviveDeployer::address_word(&address).to_vec()
}

#[test]
fn a_solidity_suite_deploys_in_one_extrinsic_and_knows_its_dependencies() {
	development().execute_with(|| {
		start_block();
		let plan = BatchDeploy::plan(&Alice.to_account_id(), &suite()).expect("a valid suite");
		assert_eq!(plan.levels, vec![vec![2], vec![1], vec![0]]);
		let (router, factory, token) = (plan.addresses[0], plan.addresses[1], plan.addresses[2]);

		let xt = signed(Alice, 0, batch_deploy(suite()));
		assert_eq!(Executive::apply_extrinsic(xt), Ok(Ok(())));
		// One transaction, one nonce, however many contracts: Alice's next transaction is 1.
		assert_eq!(frame_system::Pallet::<Runtime>::account_nonce(Alice.to_account_id()), 1);

		assert_eq!(view(router, "token()"), word(token));
		assert_eq!(view(router, "factory()"), word(factory));
		assert_eq!(view(factory, "token()"), word(token));
		// The token minted its supply to the deployer's H160.
		assert_eq!(view(token, "totalSupply()"), {
			let mut supply = [0u8; 32];
			supply[29..].copy_from_slice(&[0x0f, 0x42, 0x40]);
			supply.to_vec()
		});
		let record = Deployments::<Runtime>::get(router).expect("the router is recorded");
		assert_eq!(record.deployer, Alice.to_account_id());
		assert_eq!(record.dependencies.to_vec(), vec![token, factory]);
	});
}

#[test]
fn a_constructor_that_reverts_fails_the_whole_batch() {
	development().execute_with(|| {
		start_block();
		// The Factory's constructor rejects the zero address: give it a word of zeros.
		let contracts = vec![spec("Token", vec![], vec![]), spec("Factory", vec![0], vec![0; 32])];
		let xt = signed(Alice, 0, batch_deploy(contracts.clone()));
		let result = Executive::apply_extrinsic(xt).expect("valid transaction");
		assert_eq!(
			result.map_err(|e| e.stripped()),
			Err(pallet_revive::Error::<Runtime>::ContractReverted.into())
		);
		let plan = BatchDeploy::plan(&Alice.to_account_id(), &contracts).expect("valid batch");
		assert!(
			Deployments::<Runtime>::get(plan.addresses[0]).is_none(),
			"the token was reverted too"
		);
	});
}

#[test]
fn an_unmapped_deployer_gets_a_clear_error() {
	development().execute_with(|| {
		start_block();
		// Bob is mapped at genesis; unmap him.
		assert!(Revive::unmap_account(RuntimeOrigin::signed(Bob.to_account_id())).is_ok());
		let xt = signed(Bob, 0, batch_deploy(vec![spec("Token", vec![], vec![])]));
		let result = Executive::apply_extrinsic(xt).expect("valid transaction");
		assert_eq!(
			result.map_err(|e| e.stripped()),
			Err(pallet_revive::Error::<Runtime>::AccountUnmapped.into())
		);
	});
}

#[test]
fn a_batch_declares_the_deployer_and_the_contracts_it_creates() {
	development().execute_with(|| {
		let plan = BatchDeploy::plan(&Alice.to_account_id(), &suite()).expect("a valid suite");
		let set = parallel::access_set(&signed(Alice, 0, batch_deploy(suite())));
		let alice = frame_system::Account::<Runtime>::hashed_key_for(Alice.to_account_id());
		assert!(set.writes.contains(&AccessKey::Storage(alice)));
		for address in &plan.addresses {
			for key in ReviveDeployer::address_storage_keys(address) {
				assert!(set.writes.contains(&AccessKey::Storage(key)));
			}
		}
		// pallet-revive's account receives every deployment's storage deposit.
		let revive = frame_system::Account::<Runtime>::hashed_key_for(pallet_revive::Pallet::<
			Runtime,
		>::account_id());
		assert!(set.writes.contains(&AccessKey::Storage(revive.clone())));
		// Bob's suite lives at other addresses: the two batches share only that account.
		let other = parallel::access_set(&signed(Bob, 0, batch_deploy(suite())));
		let shared: Vec<_> = set.writes.intersection(&other.writes).collect();
		assert_eq!(shared, vec![&AccessKey::Storage(revive)]);
	});
}

#[test]
fn a_call_into_a_contract_declares_the_signer_and_the_callee() {
	development().execute_with(|| {
		let contract = H160::repeat_byte(0x42);
		let call = RuntimeCall::Revive(pallet_revive::Call::call {
			dest: contract,
			value: 0,
			weight_limit: Weight::from_parts(1_000_000_000, 100_000),
			storage_deposit_limit: 0,
			data: vec![],
		});
		let set = parallel::access_set(&signed(Bob, 0, call));
		let mut expected =
			pex_primitives::AccessSet::new().write(AccessKey::Storage(frame_system::Account::<
				Runtime,
			>::hashed_key_for(
				Bob.to_account_id()
			)));
		for key in ReviveDeployer::address_storage_keys(&contract) {
			expected = expected.write(AccessKey::Storage(key));
		}
		assert_eq!(set, expected);
	});
}

#[test]
fn a_block_with_a_batch_deployment_imports_with_execute_block() {
	let block = development().execute_with(|| {
		start_block();
		let extrinsics = vec![
			bare(RuntimeCall::Timestamp(pallet_timestamp::Call::set { now: 6_000 })),
			signed(Alice, 0, batch_deploy(suite())),
			signed(Bob, 0, transfer(Alice, 1_000_000)),
		];
		for xt in &extrinsics {
			assert_eq!(Executive::apply_extrinsic(xt.clone()), Ok(Ok(())));
		}
		pex_runtime::Block { header: Executive::finalize_block(), extrinsics }
	});
	development().execute_with(|| {
		// Panics unless the import reaches the same state root.
		Executive::execute_block(block.clone().into());
		let plan = BatchDeploy::plan(&Alice.to_account_id(), &suite()).expect("valid suite");
		assert_eq!(view(plan.addresses[0], "token()"), word(plan.addresses[2]));
	});
}

#[test]
fn the_benchmark_code_deploys_at_every_size() {
	development().execute_with(|| {
		start_block();
		let max = <Runtime as pallet_batch_deploy::Config>::MaxCodeLen::get();
		for (i, len) in [0u32, 5, 1_000, max].into_iter().enumerate() {
			let code = pex_runtime::padded_empty_contract(len);
			assert_eq!(code.len(), (len as usize).max(5));
			let mut salt = [0u8; 32];
			salt[0] = i as u8;
			let deployed = ReviveDeployer::deploy(
				&Alice.to_account_id(),
				&code,
				&[],
				0,
				&salt,
				pex_runtime::configs::MaxDeployWeight::get(),
			);
			assert!(deployed.is_ok(), "{len} bytes: {deployed:?}");
		}
	});
}

#[test]
fn the_revive_runtime_api_dry_runs_a_call_into_the_deployed_suite() {
	use codec::{Decode, Encode};
	use pallet_revive::pallet_revive_types::runtime_api::{ContractResultV1, ExecReturnValueV1};
	development().execute_with(|| {
		start_block();
		let plan = BatchDeploy::plan(&Alice.to_account_id(), &suite()).expect("a valid suite");
		let (router, token) = (plan.addresses[0], plan.addresses[2]);
		assert_eq!(Executive::apply_extrinsic(signed(Alice, 0, batch_deploy(suite()))), Ok(Ok(())));

		// What an Ethereum RPC server calls: the runtime API, through the runtime's dispatcher.
		let address =
			pex_runtime::apis::api::dispatch("ReviveApi_address", &Alice.to_account_id().encode())
				.expect("the runtime serves ReviveApi");
		assert_eq!(
			H160::decode(&mut &address[..]).expect("an H160"),
			<pallet_revive::AccountId32Mapper<Runtime> as pallet_revive::AddressMapper<Runtime>>::to_address(
				&Alice.to_account_id()
			)
		);
		let selector = sp_io::hashing::keccak_256(b"token()")[..4].to_vec();
		let args =
			(Alice.to_account_id(), router, 0u128, None::<Weight>, None::<u128>, selector).encode();
		let output = pex_runtime::apis::api::dispatch("ReviveApi_call", &args).expect("served");
		let result = ContractResultV1::<ExecReturnValueV1, u128>::decode(&mut &output[..])
			.expect("a contract result");
		assert_eq!(result.result.expect("the dry run succeeds").data, word(token));
	});
}
