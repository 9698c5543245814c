//! Tests of the batch deployment pallet.

use crate::{
	mock::*, placeholder::placeholder, weights::WeightInfo, BatchId, BatchLimits, ContractSpecOf,
	DependencyRef, DeployMode, Deployer, Deployments, Error, Event, PlanError,
};
use frame_support::{
	assert_noop, assert_ok,
	dispatch::{GetDispatchInfo, WithPostDispatchInfo},
	weights::Weight,
	BoundedVec,
};
use pex_primitives::AccessKey;
use sp_core::H160;
use sp_runtime::{traits::BadOrigin, DispatchError};

const ALICE: u64 = 1;
const BOB: u64 = 2;

/// A contract named `name` with code derived from its name, no input, no dependencies.
fn contract(name: &str) -> ContractSpecOf<Test> {
	ContractSpecOf::<Test> {
		name: BoundedVec::truncate_from(name.as_bytes().to_vec()),
		code: BoundedVec::truncate_from(format!("code of {name}").into_bytes()),
		constructor_input: BoundedVec::new(),
		dependencies: BoundedVec::new(),
		value: 0,
		salt: [0; 32],
	}
}

fn by_name(name: &str) -> DependencyRef<MaxNameLen> {
	DependencyRef::Name(BoundedVec::truncate_from(name.as_bytes().to_vec()))
}

fn needing(
	mut spec: ContractSpecOf<Test>,
	dependencies: Vec<DependencyRef<MaxNameLen>>,
) -> ContractSpecOf<Test> {
	spec.dependencies = BoundedVec::truncate_from(dependencies);
	spec
}

fn with_input(mut spec: ContractSpecOf<Test>, input: Vec<u8>) -> ContractSpecOf<Test> {
	spec.constructor_input = BoundedVec::truncate_from(input);
	spec
}

fn with_code(mut spec: ContractSpecOf<Test>, code: &[u8]) -> ContractSpecOf<Test> {
	spec.code = BoundedVec::truncate_from(code.to_vec());
	spec
}

fn batch(contracts: Vec<ContractSpecOf<Test>>) -> BoundedVec<ContractSpecOf<Test>, MaxContracts> {
	BoundedVec::truncate_from(contracts)
}

fn deploy_batch(
	who: u64,
	contracts: Vec<ContractSpecOf<Test>>,
	mode: DeployMode,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	BatchDeploy::batch_deploy(RuntimeOrigin::signed(who), batch(contracts), mode)
}

/// Router depends on Token and Factory, Token on Factory; Router's input carries both addresses.
fn suite() -> Vec<ContractSpecOf<Test>> {
	vec![
		with_input(
			needing(contract("Router"), vec![by_name("Token"), DependencyRef::Index(2)]),
			[placeholder(1), placeholder(2)].concat(),
		),
		with_input(needing(contract("Token"), vec![by_name("Factory")]), placeholder(2).to_vec()),
		contract("Factory"),
	]
}

fn batch_events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::BatchDeploy(event) => Some(event),
			_ => None,
		})
		.collect()
}

fn address_of(contracts: &[ContractSpecOf<Test>], index: usize) -> H160 {
	BatchDeploy::plan(&ALICE, contracts).expect("valid batch").addresses[index]
}

/// `error` as an event read back from storage has it: SCALE drops the message.
fn as_stored(error: DispatchError) -> DispatchError {
	codec::Decode::decode(&mut &codec::Encode::encode(&error)[..]).expect("round trip")
}

/// The storage key of `who`'s `System::Account`.
fn account_key(who: u64) -> AccessKey {
	AccessKey::Storage(frame_system::Account::<Test>::hashed_key_for(who))
}

fn limits() -> BatchLimits {
	BatchDeploy::max_limits()
}

/// Assert the batch is refused with `error`, charged only its validation, and changes nothing.
fn assert_refused(
	who: u64,
	contracts: Vec<ContractSpecOf<Test>>,
	mode: DeployMode,
	error: Error<Test>,
) {
	let (count, code, edges) = BatchDeploy::batch_shape(&contracts);
	let validation = <() as WeightInfo>::validate(count, code, edges);
	assert_noop!(deploy_batch(who, contracts, mode), error.with_weight(validation));
}

/// Assert the batch fails with `error` and changes nothing (whatever weight it is charged).
fn assert_fails_unchanged(
	who: u64,
	contracts: Vec<ContractSpecOf<Test>>,
	mode: DeployMode,
	error: DispatchError,
) {
	let root = sp_io::storage::root(sp_runtime::StateVersion::V1);
	assert_eq!(deploy_batch(who, contracts, mode).map_err(|e| e.error), Err(error));
	assert_eq!(root, sp_io::storage::root(sp_runtime::StateVersion::V1), "storage changed");
}

// ---- validation: every error, no state change ----

#[test]
fn an_empty_batch_is_rejected() {
	ExtBuilder::default().build().execute_with(|| {
		assert_refused(ALICE, vec![], DeployMode::AllOrNothing, Error::<Test>::EmptyBatch);
	});
}

#[test]
fn a_batch_above_the_contract_limit_is_rejected() {
	ExtBuilder::default()
		.limits(BatchLimits { max_contracts: 2, ..limits() })
		.build()
		.execute_with(|| {
			let contracts = vec![contract("A"), contract("B"), contract("C")];
			assert_refused(
				ALICE,
				contracts,
				DeployMode::AllOrNothing,
				Error::<Test>::TooManyContracts,
			);
		});
}

#[test]
fn a_contract_without_a_name_is_rejected() {
	ExtBuilder::default().build().execute_with(|| {
		assert_refused(
			ALICE,
			vec![contract("A"), contract("")],
			DeployMode::AllOrNothing,
			Error::<Test>::EmptyName { contract: 1 },
		);
	});
}

#[test]
fn a_name_above_the_limit_is_rejected() {
	ExtBuilder::default()
		.limits(BatchLimits { max_name_len: 3, ..limits() })
		.build()
		.execute_with(|| {
			assert_refused(
				ALICE,
				vec![contract("Abc"), contract("Abcd")],
				DeployMode::BestEffort,
				Error::<Test>::NameTooLong { contract: 1 },
			);
		});
}

#[test]
fn code_above_the_limit_is_rejected() {
	ExtBuilder::default()
		.limits(BatchLimits { max_code_len: 10, ..limits() })
		.build()
		.execute_with(|| {
			// "code of A" is 9 bytes, "code of AB" 10, "code of ABC" 11.
			let contracts = vec![contract("A"), contract("AB"), contract("ABC")];
			assert_refused(
				ALICE,
				contracts,
				DeployMode::AllOrNothing,
				Error::<Test>::CodeTooLarge { contract: 2 },
			);
		});
}

#[test]
fn a_batch_above_the_code_limit_is_rejected() {
	ExtBuilder::default()
		.limits(BatchLimits { max_batch_code_len: 20, ..limits() })
		.build()
		.execute_with(|| {
			// 9 + 10 bytes fit; 11 more do not, though each contract is within `max_code_len`.
			assert_ok!(BatchDeploy::plan(&ALICE, &[contract("A"), contract("AB")]));
			let contracts = vec![contract("A"), contract("AB"), contract("ABC")];
			assert_refused(
				ALICE,
				contracts,
				DeployMode::AllOrNothing,
				Error::<Test>::BatchCodeTooLarge,
			);
		});
}

#[test]
fn the_batch_code_limit_holds_at_its_constant() {
	ExtBuilder::default().build().execute_with(|| {
		// Five contracts of 1,000 bytes: each within MaxCodeLen, 5,000 bytes above MaxBatchCodeLen.
		let contracts: Vec<_> = (0..5u8)
			.map(|i| {
				let mut spec = contract(&format!("C{i}"));
				spec.code = vec![i; 1_000].try_into().expect("within MaxCodeLen");
				spec
			})
			.collect();
		assert_ok!(BatchDeploy::plan(&ALICE, &contracts[..4]));
		assert_refused(ALICE, contracts, DeployMode::BestEffort, Error::<Test>::BatchCodeTooLarge);
	});
}

#[test]
fn a_constructor_input_above_the_limit_is_rejected() {
	ExtBuilder::default()
		.limits(BatchLimits { max_input_len: 4, ..limits() })
		.build()
		.execute_with(|| {
			let contracts = vec![with_input(contract("A"), vec![0; 5])];
			assert_refused(
				ALICE,
				contracts,
				DeployMode::AllOrNothing,
				Error::<Test>::InputTooLarge { contract: 0 },
			);
		});
}

#[test]
fn too_many_dependencies_are_rejected() {
	ExtBuilder::default()
		.limits(BatchLimits { max_dependencies: 1, ..limits() })
		.build()
		.execute_with(|| {
			let contracts = vec![
				contract("A"),
				contract("B"),
				needing(contract("C"), vec![by_name("A"), by_name("B")]),
			];
			assert_refused(
				ALICE,
				contracts,
				DeployMode::AllOrNothing,
				Error::<Test>::TooManyDependencies { contract: 2 },
			);
		});
}

#[test]
fn duplicate_names_are_rejected() {
	ExtBuilder::default().build().execute_with(|| {
		let contracts = vec![contract("A"), contract("B"), with_code(contract("A"), b"other")];
		assert_refused(
			ALICE,
			contracts,
			DeployMode::AllOrNothing,
			Error::<Test>::DuplicateName { contract: 2 },
		);
	});
}

#[test]
fn a_dependency_on_an_unknown_name_is_rejected() {
	ExtBuilder::default().build().execute_with(|| {
		let contracts = vec![contract("A"), needing(contract("B"), vec![by_name("Nope")])];
		assert_refused(
			ALICE,
			contracts,
			DeployMode::AllOrNothing,
			Error::<Test>::UnknownDependency { contract: 1 },
		);
	});
}

#[test]
fn a_dependency_on_an_index_outside_the_batch_is_rejected() {
	ExtBuilder::default().build().execute_with(|| {
		let contracts = vec![needing(contract("A"), vec![DependencyRef::Index(1)])];
		assert_refused(
			ALICE,
			contracts,
			DeployMode::AllOrNothing,
			Error::<Test>::UnknownDependency { contract: 0 },
		);
	});
}

#[test]
fn a_contract_depending_on_itself_is_rejected_by_index_or_name() {
	ExtBuilder::default().build().execute_with(|| {
		let by_index = vec![contract("A"), needing(contract("B"), vec![DependencyRef::Index(1)])];
		assert_refused(
			ALICE,
			by_index,
			DeployMode::AllOrNothing,
			Error::<Test>::SelfDependency { contract: 1 },
		);
		let by_own_name = vec![needing(contract("A"), vec![by_name("A")])];
		assert_refused(
			ALICE,
			by_own_name,
			DeployMode::AllOrNothing,
			Error::<Test>::SelfDependency { contract: 0 },
		);
	});
}

#[test]
fn a_dependency_cycle_is_rejected_and_plan_names_every_member() {
	ExtBuilder::default().build().execute_with(|| {
		// D -> B -> C -> A -> B: the cycle is B, C, A (indices 1, 2, 0).
		let contracts = vec![
			needing(contract("A"), vec![by_name("B")]),
			needing(contract("B"), vec![by_name("C")]),
			needing(contract("C"), vec![by_name("A")]),
			needing(contract("D"), vec![by_name("B")]),
		];
		assert_eq!(
			BatchDeploy::plan(&ALICE, &contracts),
			Err(PlanError::DependencyCycle(vec![0, 1, 2]))
		);
		assert_refused(
			ALICE,
			contracts,
			DeployMode::BestEffort,
			Error::<Test>::DependencyCycle { contract: 0 },
		);
	});
}

#[test]
fn a_placeholder_for_a_contract_that_is_not_a_dependency_is_rejected() {
	ExtBuilder::default().build().execute_with(|| {
		let contracts = vec![
			contract("A"),
			contract("B"),
			with_input(needing(contract("C"), vec![by_name("A")]), placeholder(1).to_vec()),
		];
		assert_refused(
			ALICE,
			contracts,
			DeployMode::AllOrNothing,
			Error::<Test>::BadPlaceholder { contract: 2 },
		);
		let outside = vec![with_input(contract("A"), placeholder(7).to_vec())];
		assert_refused(
			ALICE,
			outside,
			DeployMode::AllOrNothing,
			Error::<Test>::BadPlaceholder { contract: 0 },
		);
	});
}

#[test]
fn two_contracts_with_the_same_address_are_rejected() {
	ExtBuilder::default().build().execute_with(|| {
		let twin = with_code(contract("B"), b"code of A");
		assert_refused(
			ALICE,
			vec![contract("A"), twin],
			DeployMode::AllOrNothing,
			Error::<Test>::DuplicateAddress { contract: 1 },
		);
	});
}

#[test]
fn a_rejected_batch_is_charged_only_its_validation() {
	ExtBuilder::default().build().execute_with(|| {
		let contracts = vec![contract("A"), contract("A")];
		let call = crate::Call::<Test>::batch_deploy {
			contracts: batch(contracts.clone()),
			mode: DeployMode::AllOrNothing,
		};
		let charged = call.get_dispatch_info().call_weight;
		let error =
			deploy_batch(ALICE, contracts, DeployMode::AllOrNothing).expect_err("duplicate names");
		let validation = <() as WeightInfo>::validate(2, 18, 0);
		assert_eq!(error.post_info.actual_weight, Some(validation));
		assert!(validation.all_lt(charged));
	});
}

// ---- deployment ----

#[test]
fn one_contract_deploys_records_and_reports() {
	ExtBuilder::default().build().execute_with(|| {
		let spec = contract("Solo");
		let address = address_of(core::slice::from_ref(&spec), 0);
		assert_ok!(BatchDeploy::deploy(RuntimeOrigin::signed(ALICE), Box::new(spec.clone())));
		let record = Deployments::<Test>::get(address).expect("recorded");
		assert_eq!(record.deployer, ALICE);
		assert_eq!(record.name.as_slice(), b"Solo");
		assert_eq!(record.code_hash, MockDeployer::code_hash(&spec.code));
		assert!(record.dependencies.is_empty());
		assert_eq!(MockDeployer::code(&record.code_hash), Some(spec.code.to_vec()));
		System::assert_last_event(
			Event::BatchCompleted { batch: record.batch, deployed: 1, failed: 0, levels: 1 }.into(),
		);
	});
}

#[docify::export]
#[test]
fn a_suite_deploys_dependencies_first_with_events_in_order() {
	ExtBuilder::default().build().execute_with(|| {
		// Router needs Token (by name) and Factory (by index) and takes both addresses; Token
		// needs Factory and takes its address.
		let contracts = vec![
			with_input(
				needing(contract("Router"), vec![by_name("Token"), DependencyRef::Index(2)]),
				[placeholder(1), placeholder(2)].concat(),
			),
			with_input(
				needing(contract("Token"), vec![by_name("Factory")]),
				placeholder(2).to_vec(),
			),
			contract("Factory"),
		];
		assert_eq!(contracts, suite());
		let plan = BatchDeploy::plan(&ALICE, &contracts).expect("valid suite");
		assert_eq!(plan.levels, vec![vec![2], vec![1], vec![0]]);
		assert_ok!(deploy_batch(ALICE, contracts.clone(), DeployMode::AllOrNothing));
		let batch = BatchId { block: 1, extrinsic: 0 };
		let deployed = |index: u32| Event::ContractDeployed {
			batch,
			index,
			name: contracts[index as usize].name.clone(),
			address: plan.addresses[index as usize],
			code_hash: MockDeployer::code_hash(&contracts[index as usize].code),
			gas_used: (contracts[index as usize].code.len() +
				contracts[index as usize].constructor_input.len()) as u64,
		};
		assert_eq!(
			batch_events(),
			vec![
				deployed(2),
				deployed(1),
				deployed(0),
				Event::BatchCompleted { batch, deployed: 3, failed: 0, levels: 3 }
			]
		);
	});
}

#[test]
fn placeholders_become_the_addresses_of_the_dependencies() {
	ExtBuilder::default().build().execute_with(|| {
		let contracts = suite();
		let plan = BatchDeploy::plan(&ALICE, &contracts).expect("valid suite");
		assert_ok!(deploy_batch(ALICE, contracts, DeployMode::AllOrNothing));
		let word = |index: usize| MockDeployer::address_word(&plan.addresses[index]).to_vec();
		let (_, router_input, _) = MockDeployer::contract(&plan.addresses[0]).expect("router");
		assert_eq!(router_input, [word(1), word(2)].concat());
		let (_, token_input, _) = MockDeployer::contract(&plan.addresses[1]).expect("token");
		assert_eq!(token_input, word(2));
	});
}

#[test]
fn the_invariants_hold_after_deployments_and_catch_a_dangling_dependency() {
	ExtBuilder::default().build().execute_with(|| {
		let contracts = suite();
		let plan = BatchDeploy::plan(&ALICE, &contracts).expect("valid suite");
		assert_ok!(deploy_batch(ALICE, contracts, DeployMode::AllOrNothing));
		assert_ok!(BatchDeploy::do_try_state());
		// Forget the factory: the token's record now points at nothing.
		Deployments::<Test>::remove(plan.addresses[2]);
		assert!(BatchDeploy::do_try_state().is_err());
	});
}

#[test]
fn limits_above_the_constants_break_the_invariants() {
	ExtBuilder::default().build().execute_with(|| {
		crate::Limits::<Test>::put(BatchLimits {
			max_contracts: MaxContracts::get() + 1,
			..limits()
		});
		assert!(BatchDeploy::do_try_state().is_err());
	});
}

#[test]
fn records_list_the_addresses_of_dependencies_in_declared_order() {
	ExtBuilder::default().build().execute_with(|| {
		let contracts = suite();
		let plan = BatchDeploy::plan(&ALICE, &contracts).expect("valid suite");
		assert_ok!(deploy_batch(ALICE, contracts, DeployMode::AllOrNothing));
		let router = Deployments::<Test>::get(plan.addresses[0]).expect("router recorded");
		assert_eq!(router.dependencies.to_vec(), vec![plan.addresses[1], plan.addresses[2]]);
		assert_eq!(router.batch, BatchId { block: 1, extrinsic: 0 });
	});
}

#[test]
fn a_diamond_deploys_its_sides_in_one_level() {
	ExtBuilder::default().build().execute_with(|| {
		let contracts = vec![
			needing(contract("Top"), vec![by_name("Left"), by_name("Right")]),
			needing(contract("Left"), vec![by_name("Base")]),
			needing(contract("Right"), vec![DependencyRef::Index(3)]),
			contract("Base"),
		];
		let plan = BatchDeploy::plan(&ALICE, &contracts).expect("valid diamond");
		assert_eq!(plan.levels, vec![vec![3], vec![1, 2], vec![0]]);
		assert_ok!(deploy_batch(ALICE, contracts, DeployMode::AllOrNothing));
		let indices: Vec<u32> = batch_events()
			.into_iter()
			.filter_map(|e| match e {
				Event::ContractDeployed { index, .. } => Some(index),
				_ => None,
			})
			.collect();
		assert_eq!(indices, vec![3, 1, 2, 0]);
	});
}

#[test]
fn a_deep_chain_deploys_one_level_per_contract() {
	ExtBuilder::default().build().execute_with(|| {
		// Contract i depends on contract i + 1 and carries its address: 20 levels.
		let contracts: Vec<_> = (0..20u32)
			.map(|i| {
				let spec = contract(&format!("C{i}"));
				if i == 19 {
					spec
				} else {
					with_input(
						needing(spec, vec![DependencyRef::Index(i + 1)]),
						placeholder(i + 1).to_vec(),
					)
				}
			})
			.collect();
		let plan = BatchDeploy::plan(&ALICE, &contracts).expect("valid chain");
		assert_eq!(plan.levels, (0..20u32).rev().map(|i| vec![i]).collect::<Vec<_>>());
		assert_ok!(deploy_batch(ALICE, contracts, DeployMode::AllOrNothing));
		System::assert_last_event(
			Event::BatchCompleted {
				batch: BatchId { block: 1, extrinsic: 0 },
				deployed: 20,
				failed: 0,
				levels: 20,
			}
			.into(),
		);
		for (i, address) in plan.addresses.iter().enumerate().take(19) {
			let (_, input, _) = MockDeployer::contract(address).expect("deployed");
			assert_eq!(input, MockDeployer::address_word(&plan.addresses[i + 1]).to_vec());
		}
	});
}

#[test]
fn dependencies_by_name_and_by_index_plan_alike() {
	ExtBuilder::default().build().execute_with(|| {
		let named = vec![contract("A"), needing(contract("B"), vec![by_name("A")])];
		let indexed = vec![contract("A"), needing(contract("B"), vec![DependencyRef::Index(0)])];
		assert_eq!(BatchDeploy::plan(&ALICE, &named), BatchDeploy::plan(&ALICE, &indexed));
	});
}

#[test]
fn all_or_nothing_reverts_the_whole_batch_on_a_failure() {
	ExtBuilder::default().build().execute_with(|| {
		let contracts = vec![contract("Good"), with_code(contract("Bad"), b"FAIL: reverts")];
		assert_fails_unchanged(
			ALICE,
			contracts,
			DeployMode::AllOrNothing,
			DispatchError::Other("mock: constructor reverted"),
		);
	});
}

#[test]
fn best_effort_fails_dependents_and_deploys_the_rest() {
	ExtBuilder::default().build().execute_with(|| {
		let contracts = vec![
			with_code(contract("Bad"), b"FAIL: reverts"),
			needing(contract("Child"), vec![by_name("Bad")]),
			needing(contract("Grandchild"), vec![by_name("Child")]),
			contract("Independent"),
		];
		let plan = BatchDeploy::plan(&ALICE, &contracts).expect("valid batch");
		assert_ok!(deploy_batch(ALICE, contracts.clone(), DeployMode::BestEffort));
		let batch = BatchId { block: 1, extrinsic: 0 };
		let failed = |index: u32, error: DispatchError| Event::ContractFailed {
			batch,
			index,
			name: contracts[index as usize].name.clone(),
			error,
		};
		assert_eq!(
			batch_events(),
			vec![
				failed(0, as_stored(DispatchError::Other("mock: constructor reverted"))),
				Event::ContractDeployed {
					batch,
					index: 3,
					name: contracts[3].name.clone(),
					address: plan.addresses[3],
					code_hash: MockDeployer::code_hash(&contracts[3].code),
					gas_used: contracts[3].code.len() as u64,
				},
				failed(1, as_stored(Error::<Test>::DependencyFailed.into())),
				failed(2, as_stored(Error::<Test>::DependencyFailed.into())),
				Event::BatchCompleted { batch, deployed: 1, failed: 3, levels: 3 },
			]
		);
		assert!(Deployments::<Test>::get(plan.addresses[3]).is_some());
		assert!((0..3).all(|i| Deployments::<Test>::get(plan.addresses[i]).is_none()));
	});
}

#[test]
fn a_failed_deployment_leaves_nothing_of_what_the_engine_wrote() {
	ExtBuilder::default().build().execute_with(|| {
		let bad = with_code(contract("Bad"), b"FAIL: reverts");
		let address = address_of(core::slice::from_ref(&bad), 0);
		assert_ok!(deploy_batch(ALICE, vec![bad.clone()], DeployMode::BestEffort));
		// The mock stored code and contract before reverting; the pallet rolled both back.
		assert_eq!(MockDeployer::code(&MockDeployer::code_hash(&bad.code)), None);
		assert_eq!(MockDeployer::contract(&address), None);
	});
}

#[test]
fn unused_deployment_weight_is_refunded() {
	ExtBuilder::default().build().execute_with(|| {
		let contracts = suite();
		let code: u32 = contracts.iter().map(|c| c.code.len() as u32).sum();
		let info = deploy_batch(ALICE, contracts, DeployMode::AllOrNothing).expect("deploys");
		let engine = Weight::from_parts(WEIGHT_PER_CODE_BYTE * code as u64, 0);
		let expected = <() as WeightInfo>::batch_deploy(3, code, 3).saturating_add(engine);
		assert_eq!(info.actual_weight, Some(expected));
		let charged = BatchDeploy::batch_weight(&suite());
		assert!(expected.all_lte(charged) && expected.ref_time() < charged.ref_time());
	});
}

#[test]
fn a_failure_is_charged_the_whole_deployment_limit() {
	ExtBuilder::default().build().execute_with(|| {
		let bad = with_code(contract("Bad"), b"FAIL");
		let error = deploy_batch(ALICE, vec![bad], DeployMode::AllOrNothing).expect_err("reverts");
		let expected =
			<() as WeightInfo>::batch_deploy(1, 4, 0).saturating_add(MaxDeployWeight::get());
		assert_eq!(error.post_info.actual_weight, Some(expected));
	});
}

#[test]
fn code_too_heavy_for_the_deployment_limit_fails_in_the_engine() {
	ExtBuilder::default().build().execute_with(|| {
		// 1,024 bytes cost 1,024,000 in the mock: under the 2,000,000 limit. Lower it.
		let heavy = with_code(contract("Heavy"), &[7u8; 1_024]);
		MaxDeployWeight::set(Weight::from_parts(1_000_000, 0));
		assert_fails_unchanged(
			ALICE,
			vec![heavy],
			DeployMode::AllOrNothing,
			DispatchError::Other("mock: out of weight"),
		);
	});
}

#[test]
fn deploying_the_same_contract_twice_fails_the_second_time() {
	ExtBuilder::default().build().execute_with(|| {
		assert_ok!(deploy_batch(ALICE, vec![contract("A")], DeployMode::AllOrNothing));
		assert_fails_unchanged(
			ALICE,
			vec![contract("A")],
			DeployMode::AllOrNothing,
			DispatchError::Other("mock: address in use"),
		);
	});
}

#[test]
fn an_engine_that_breaks_its_prediction_is_caught_and_reverted() {
	ExtBuilder::default().build().execute_with(|| {
		Mispredict::set(true);
		assert_fails_unchanged(
			ALICE,
			vec![contract("A")],
			DeployMode::AllOrNothing,
			Error::<Test>::AddressMismatch.into(),
		);
	});
}

#[test]
fn a_batch_is_named_by_its_block_and_extrinsic_index() {
	ExtBuilder::default().build().execute_with(|| {
		System::set_block_number(7);
		frame_support::storage::unhashed::put(b":extrinsic_index", &3u32);
		assert_ok!(deploy_batch(ALICE, vec![contract("A")], DeployMode::AllOrNothing));
		System::assert_last_event(
			Event::BatchCompleted {
				batch: BatchId { block: 7, extrinsic: 3 },
				deployed: 1,
				failed: 0,
				levels: 1,
			}
			.into(),
		);
	});
}

// ---- addresses and plan ----

#[test]
fn addresses_depend_only_on_deployer_code_input_and_salt() {
	ExtBuilder::default().build().execute_with(|| {
		let contracts = suite();
		let first = BatchDeploy::plan(&ALICE, &contracts).expect("valid");
		assert_eq!(BatchDeploy::plan(&ALICE, &contracts), Ok(first.clone()));
		System::set_block_number(99);
		assert_eq!(BatchDeploy::plan(&ALICE, &contracts), Ok(first.clone()));
		let other_deployer = BatchDeploy::plan(&BOB, &contracts).expect("valid");
		assert!(first.addresses.iter().zip(&other_deployer.addresses).all(|(a, b)| a != b));
		let mut salted = contracts.clone();
		salted[2].salt = [1; 32];
		let resalted = BatchDeploy::plan(&ALICE, &salted).expect("valid");
		// The factory moves, and with it everyone whose input carries its address.
		assert!(first.addresses.iter().zip(&resalted.addresses).all(|(a, b)| a != b));
	});
}

#[test]
fn plan_matches_what_batch_deploy_does() {
	ExtBuilder::default().build().execute_with(|| {
		let contracts = vec![
			needing(contract("Top"), vec![by_name("Left"), by_name("Right")]),
			with_input(needing(contract("Left"), vec![by_name("Base")]), placeholder(3).to_vec()),
			needing(contract("Right"), vec![by_name("Base")]),
			contract("Base"),
			contract("Loner"),
		];
		let plan = BatchDeploy::plan(&ALICE, &contracts).expect("valid");
		assert_ok!(deploy_batch(ALICE, contracts, DeployMode::AllOrNothing));
		let deployed: Vec<(u32, H160)> = batch_events()
			.into_iter()
			.filter_map(|e| match e {
				Event::ContractDeployed { index, address, .. } => Some((index, address)),
				_ => None,
			})
			.collect();
		let planned: Vec<(u32, H160)> =
			plan.levels.iter().flatten().map(|&i| (i, plan.addresses[i as usize])).collect();
		assert_eq!(deployed, planned);
		System::assert_last_event(
			Event::BatchCompleted {
				batch: BatchId { block: 1, extrinsic: 0 },
				deployed: 5,
				failed: 0,
				levels: plan.levels.len() as u32,
			}
			.into(),
		);
	});
}

// ---- limits and governance ----

#[test]
fn root_can_lower_the_limits_and_they_apply_at_once() {
	ExtBuilder::default().build().execute_with(|| {
		let lower = BatchLimits { max_contracts: 1, ..limits() };
		assert_ok!(BatchDeploy::set_limits(RuntimeOrigin::root(), lower));
		System::assert_last_event(Event::LimitsSet { limits: lower }.into());
		assert_eq!(BatchDeploy::limits(), lower);
		assert_refused(
			ALICE,
			vec![contract("A"), contract("B")],
			DeployMode::BestEffort,
			Error::<Test>::TooManyContracts,
		);
	});
}

#[test]
fn only_root_can_set_limits() {
	ExtBuilder::default().build().execute_with(|| {
		assert_noop!(BatchDeploy::set_limits(RuntimeOrigin::signed(ALICE), limits()), BadOrigin);
		assert_noop!(BatchDeploy::set_limits(RuntimeOrigin::none(), limits()), BadOrigin);
	});
}

#[test]
fn limits_can_never_exceed_the_constants() {
	ExtBuilder::default().build().execute_with(|| {
		let above = [
			BatchLimits { max_contracts: MaxContracts::get() + 1, ..limits() },
			BatchLimits { max_code_len: MaxCodeLen::get() + 1, ..limits() },
			BatchLimits { max_name_len: MaxNameLen::get() + 1, ..limits() },
			BatchLimits { max_dependencies: MaxDependencies::get() + 1, ..limits() },
			BatchLimits { max_input_len: MaxInputLen::get() + 1, ..limits() },
			BatchLimits { max_batch_code_len: MaxBatchCodeLen::get() + 1, ..limits() },
		];
		for limits in above {
			assert_noop!(
				BatchDeploy::set_limits(RuntimeOrigin::root(), limits),
				Error::<Test>::LimitAboveMaximum
			);
		}
		assert_ok!(BatchDeploy::set_limits(RuntimeOrigin::root(), limits()));
	});
}

// ---- access sets ----

#[test]
fn the_access_set_names_the_deployer_and_every_derived_address() {
	ExtBuilder::default().build().execute_with(|| {
		let contracts = suite();
		let plan = BatchDeploy::plan(&ALICE, &contracts).expect("valid");
		let call = crate::Call::<Test>::batch_deploy {
			contracts: batch(contracts.clone()),
			mode: DeployMode::BestEffort,
		};
		let set = BatchDeploy::access_set(&ALICE, &call);
		assert!(set.writes.contains(&account_key(ALICE)));
		for (spec, address) in contracts.iter().zip(&plan.addresses) {
			for key in MockDeployer::address_storage_keys(address) {
				assert!(set.writes.contains(&AccessKey::Storage(key)));
			}
			assert!(set
				.writes
				.contains(&AccessKey::Storage(Deployments::<Test>::hashed_key_for(address))));
			for key in MockDeployer::code_storage_keys(&spec.code) {
				assert!(set.writes.contains(&AccessKey::Storage(key)));
			}
		}
	});
}

#[test]
fn batches_of_different_deployers_do_not_conflict_but_set_limits_does() {
	ExtBuilder::default().build().execute_with(|| {
		// Different code per deployer: the engine's code storage is shared by code hash.
		let call = |code: &[u8]| crate::Call::<Test>::batch_deploy {
			contracts: batch(vec![with_code(contract("A"), code)]),
			mode: DeployMode::AllOrNothing,
		};
		let alice = BatchDeploy::access_set(&ALICE, &call(b"alice's"));
		let bob = BatchDeploy::access_set(&BOB, &call(b"bob's"));
		assert!(!alice.conflicts_with(&bob));
		let alice_again = BatchDeploy::access_set(&ALICE, &call(b"alice's other"));
		assert!(alice.conflicts_with(&alice_again));
		let set_limits =
			BatchDeploy::access_set(&ALICE, &crate::Call::<Test>::set_limits { limits: limits() });
		assert!(set_limits.conflicts_with(&bob));
	});
}

#[test]
fn an_invalid_batch_declares_only_the_deployer() {
	ExtBuilder::default().build().execute_with(|| {
		let call = crate::Call::<Test>::batch_deploy {
			contracts: batch(vec![]),
			mode: DeployMode::AllOrNothing,
		};
		let set = BatchDeploy::access_set(&ALICE, &call);
		assert_eq!(set.writes.len(), 1);
		assert!(set.writes.contains(&account_key(ALICE)));
	});
}
