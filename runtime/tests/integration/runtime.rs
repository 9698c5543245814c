//! The runtime run natively: genesis, transfers and fees, hot keys, access sets, whole blocks.

use crate::common::*;
use frame_support::{storage::storage_prefix, traits::PalletInfoAccess};
use pex_primitives::{hot_key_for, AccessKey, AccessSet, MergeRule};
use pex_runtime::{
	genesis_config_presets::ENDOWMENT, parallel, Balances, Executive, Runtime, RuntimeCall,
	RuntimeEvent, RuntimeOrigin, System, UNIT,
};
use sp_keyring::Sr25519Keyring::{
	Alice, AliceStash, Bob, BobStash, Charlie, CharlieStash, Dave, DaveStash, Eve, EveStash,
	Ferdie, FerdieStash,
};
use sp_runtime::traits::Header as _;

fn account_key(who: sp_keyring::Sr25519Keyring) -> AccessKey {
	AccessKey::Storage(frame_system::Account::<Runtime>::hashed_key_for(who.to_account_id()))
}

#[test]
fn the_development_preset_funds_and_maps_the_dev_accounts_and_makes_alice_root() {
	development().execute_with(|| {
		for who in [Alice, Bob, Charlie, Dave, Eve, Ferdie] {
			assert_eq!(Balances::free_balance(who.to_account_id()), ENDOWMENT);
			assert!(<pallet_revive::AccountId32Mapper<Runtime> as pallet_revive::AddressMapper<
				Runtime,
			>>::is_mapped(&who.to_account_id()));
		}
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), Some(Alice.to_account_id()));
	});
}

#[test]
fn the_local_testnet_preset_funds_only_alice_to_ferdie_and_has_no_sudo_key() {
	let stashes = [AliceStash, BobStash, CharlieStash, DaveStash, EveStash, FerdieStash];
	preset("local_testnet").execute_with(|| {
		for who in [Alice, Bob, Charlie, Dave, Eve, Ferdie] {
			assert_eq!(Balances::free_balance(who.to_account_id()), ENDOWMENT);
		}
		for who in stashes {
			assert_eq!(Balances::free_balance(who.to_account_id()), 0);
		}
		// Governance is the only root: no account can sudo.
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), None);
		let call = Box::new(RuntimeCall::System(frame_system::Call::remark { remark: vec![] }));
		assert!(
			pex_runtime::Sudo::sudo(RuntimeOrigin::signed(Alice.to_account_id()), call).is_err()
		);
	});
	let issuance = |mut ext: sp_io::TestExternalities| ext.execute_with(Balances::total_issuance);
	// Besides the endowments, genesis funds the same system accounts in both.
	assert_eq!(issuance(development()) - issuance(preset("local_testnet")), 6 * ENDOWMENT);
	development().execute_with(|| {
		for who in stashes {
			assert_eq!(Balances::free_balance(who.to_account_id()), ENDOWMENT);
		}
	});
}

#[test]
fn a_transfer_moves_the_amount_and_burns_the_fee() {
	development().execute_with(|| {
		start_block();
		let issuance = Balances::total_issuance();
		let xt = signed(Alice, 0, transfer(Bob, 5 * UNIT));
		assert_eq!(Executive::apply_extrinsic(xt), Ok(Ok(())));
		let fee = System::events()
			.iter()
			.find_map(|record| match &record.event {
				RuntimeEvent::TransactionPayment(
					pallet_transaction_payment::Event::TransactionFeePaid { actual_fee, .. },
				) => Some(*actual_fee),
				_ => None,
			})
			.expect("a fee was paid");
		assert!(fee > 0);
		assert_eq!(Balances::free_balance(Bob.to_account_id()), ENDOWMENT + 5 * UNIT);
		assert_eq!(Balances::free_balance(Alice.to_account_id()), ENDOWMENT - 5 * UNIT - fee);
		// Burned: nobody received the fee, the issuance shrank by it.
		assert_eq!(Balances::total_issuance(), issuance - fee);
	});
}

#[test]
fn hot_keys_are_the_real_storage_keys_of_their_items() {
	development().execute_with(|| {
		let hot = parallel::hot_keys();
		let rule = |key: &[u8]| hot_key_for(&hot, key).map(|h| h.rule);
		assert_eq!(
			rule(&frame_system::BlockWeight::<Runtime>::hashed_key()),
			Some(MergeRule::PerClassWeightSum)
		);
		assert_eq!(
			rule(&frame_system::BlockSize::<Runtime>::hashed_key()),
			Some(MergeRule::SumU32)
		);
		assert_eq!(
			rule(&pallet_balances::TotalIssuance::<Runtime>::hashed_key()),
			Some(MergeRule::SumU128)
		);
		assert_eq!(rule(b":extrinsic_index"), Some(MergeRule::Positional));
		// Items frame-system keeps private: the keys a transfer writes must include them.
		parallel_base();
		let before = snapshot();
		assert_eq!(Executive::apply_extrinsic(signed(Alice, 0, transfer(Bob, UNIT))), Ok(Ok(())));
		let written = changed(&before, &snapshot());
		let system = System::name().as_bytes();
		for (item, expected) in
			[(b"Events".as_slice(), MergeRule::Append), (b"EventCount", MergeRule::SumU32)]
		{
			let key = storage_prefix(system, item).to_vec();
			assert!(
				written.contains(&key),
				"a transfer writes System::{}",
				String::from_utf8_lossy(item)
			);
			assert_eq!(rule(&key), Some(expected));
		}
		// An ordinary key is not hot.
		assert_eq!(
			rule(&frame_system::Account::<Runtime>::hashed_key_for(Alice.to_account_id())),
			None
		);
	});
}

/// Apply `xt` on the parallel builder's base state of block 1; the keys it wrote.
fn keys_written_by(
	xt: impl FnOnce() -> pex_runtime::UncheckedExtrinsic,
) -> std::collections::BTreeSet<Vec<u8>> {
	development().execute_with(|| {
		parallel_base();
		let before = snapshot();
		assert_eq!(Executive::apply_extrinsic(xt()), Ok(Ok(())));
		changed(&before, &snapshot())
	})
}

#[test]
fn two_unrelated_transfers_share_only_declared_hot_keys() {
	let first = keys_written_by(|| signed(Alice, 0, transfer(Bob, UNIT)));
	let second = keys_written_by(|| signed(Charlie, 0, transfer(Dave, UNIT)));
	let hot = parallel::hot_keys();
	let shared: Vec<_> = first.intersection(&second).collect();
	assert!(!shared.is_empty(), "both write events, weight, issuance");
	for key in shared {
		assert!(
			hot_key_for(&hot, key).is_some(),
			"0x{} is written by both but not a hot key",
			hex(key)
		);
	}
}

#[test]
fn a_transfer_declares_exactly_the_accounts_it_writes() {
	let written = keys_written_by(|| signed(Alice, 0, transfer(Bob, UNIT)));
	development().execute_with(|| {
		let set = parallel::access_set(&signed(Alice, 0, transfer(Bob, UNIT)));
		assert_eq!(set, AccessSet::new().write(account_key(Alice)).write(account_key(Bob)));
		// Every key the transfer wrote is declared or hot.
		let hot = parallel::hot_keys();
		for key in &written {
			let declared = set.writes.contains(&AccessKey::Storage(key.clone()));
			assert!(
				declared || hot_key_for(&hot, key).is_some(),
				"undeclared write 0x{}",
				hex(key)
			);
		}
	});
}

#[test]
fn calls_the_runtime_cannot_describe_claim_all_of_storage() {
	development().execute_with(|| {
		let remark = RuntimeCall::System(frame_system::Call::remark { remark: vec![1] });
		let everything = AccessSet::new().write(AccessKey::StoragePrefix(Vec::new()));
		assert_eq!(parallel::access_set(&signed(Alice, 0, remark)), everything);
		let set_code = RuntimeCall::Sudo(pallet_sudo::Call::sudo {
			call: Box::new(RuntimeCall::System(frame_system::Call::set_code { code: vec![] })),
		});
		assert_eq!(parallel::access_set(&signed(Alice, 0, set_code)), everything);
		let inherent = bare(RuntimeCall::Timestamp(pallet_timestamp::Call::set { now: 6_000 }));
		assert_eq!(parallel::access_set(&inherent), everything);
		assert!(everything.conflicts_with(&parallel::access_set(&signed(
			Bob,
			0,
			transfer(Dave, 1)
		))));
	});
}

#[test]
fn a_block_built_here_imports_with_execute_block() {
	let block = development().execute_with(|| {
		start_block();
		let timestamp = bare(RuntimeCall::Timestamp(pallet_timestamp::Call::set { now: 6_000 }));
		let extrinsics = vec![
			timestamp,
			signed(Alice, 0, transfer(Bob, UNIT)),
			signed(Charlie, 0, transfer(Alice, 2 * UNIT)),
			signed(Alice, 1, transfer(Dave, 3 * UNIT)),
		];
		for xt in &extrinsics {
			assert_eq!(Executive::apply_extrinsic(xt.clone()), Ok(Ok(())));
		}
		let header = Executive::finalize_block();
		pex_runtime::Block { header, extrinsics }
	});
	// A fresh node executes the block from genesis (execute_block panics unless it reaches the
	// header's state root), and ends in that state.
	development().execute_with(|| {
		Executive::execute_block(block.clone().into());
		let root = sp_io::storage::root(sp_runtime::StateVersion::V1);
		assert_eq!(block.header.state_root().as_bytes(), root.as_slice());
	});
}

fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn governance_upgrades_the_runtime_with_set_code() {
	let blob = pex_runtime::WASM_BINARY.expect("the WASM blob is built (unset SKIP_WASM_BUILD)");
	let mut ext = development();
	ext.register_extension(sp_core::traits::ReadRuntimeVersionExt::new(NextVersion));
	ext.execute_with(|| {
		start_block();
		let set_code =
			|| Box::new(RuntimeCall::System(frame_system::Call::set_code { code: blob.to_vec() }));
		// Only root may replace the code.
		let origin = pex_runtime::RuntimeOrigin::signed(Bob.to_account_id());
		assert!(pex_runtime::Sudo::sudo(origin, set_code()).is_err());
		assert_ne!(sp_io::storage::get(b":code").as_deref(), Some(blob));

		let alice = pex_runtime::RuntimeOrigin::signed(Alice.to_account_id());
		assert!(pex_runtime::Sudo::sudo(alice, set_code()).is_ok());
		assert_eq!(sp_io::storage::get(b":code").as_deref(), Some(blob));
		let hash = sp_core::H256(sp_io::hashing::blake2_256(blob));
		System::assert_has_event(frame_system::Event::CodeUpdated { hash }.into());
	});
}

/// The first block under new code, run by the real WASM executor from `:code`, records the new
/// version in `LastRuntimeUpgrade` (and so runs the migrations). With a single blob the
/// previous release is played by this runtime natively: the test records spec_version - 1 as the
/// last upgrade, which is what that release would have left.
#[test]
fn the_first_block_under_new_code_records_its_version() {
	use codec::Encode;
	use sp_core::traits::{CallContext, CodeExecutor, RuntimeCode, WrappedRuntimeCode};

	let blob = pex_runtime::WASM_BINARY.expect("the WASM blob is built (unset SKIP_WASM_BUILD)");
	let version = pex_runtime::VERSION;
	let recorded = || frame_system::LastRuntimeUpgrade::<Runtime>::get();
	let mut ext = development();
	ext.register_extension(sp_core::traits::ReadRuntimeVersionExt::new(NextVersion));
	let parent = ext.execute_with(|| {
		start_block();
		frame_system::LastRuntimeUpgrade::<Runtime>::put(frame_system::LastRuntimeUpgradeInfo {
			spec_version: (version.spec_version - 1).into(),
			spec_name: version.spec_name.clone(),
		});
		let now = bare(RuntimeCall::Timestamp(pallet_timestamp::Call::set { now: 6_000 }));
		assert_eq!(Executive::apply_extrinsic(now), Ok(Ok(())));
		let set_code = RuntimeCall::System(frame_system::Call::set_code { code: blob.to_vec() });
		let alice = pex_runtime::RuntimeOrigin::signed(Alice.to_account_id());
		assert!(pex_runtime::Sudo::sudo(alice, Box::new(set_code)).is_ok());
		let block_1 = Executive::finalize_block();
		let last = recorded().expect("recorded");
		assert_eq!(last.spec_version, (version.spec_version - 1).into(), "not before block 2");
		sp_runtime::traits::Header::hash(&block_1)
	});
	ext.commit_all().expect("commits");

	let code = ext.execute_with(|| sp_io::storage::get(b":code")).expect("code is set");
	assert_eq!(code.as_ref(), blob);
	let fetcher = WrappedRuntimeCode(code.as_ref().into());
	let runtime_code = RuntimeCode {
		code_fetcher: &fetcher,
		heap_pages: None,
		hash: sp_io::hashing::blake2_256(&code).to_vec(),
	};
	let header =
		pex_runtime::Header::new(2, Default::default(), Default::default(), parent, aura_digest(2));
	let executor = sc_executor::WasmExecutor::<sp_io::SubstrateHostFunctions>::builder().build();
	let (result, _) = executor.call(
		&mut ext.ext(),
		&runtime_code,
		"Core_initialize_block",
		&header.encode(),
		CallContext::Onchain { import: false },
	);
	result.expect("block 2 starts under the new code");
	ext.execute_with(|| {
		let last = recorded().expect("recorded");
		assert_eq!(last.spec_version, version.spec_version.into());
		assert_eq!(last.spec_name, version.spec_name);
	});
}

#[test]
fn every_kind_of_transfer_declares_its_sender_and_destination() {
	development().execute_with(|| {
		let dest = || sp_runtime::MultiAddress::Id(Bob.to_account_id());
		let calls = [
			RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
				dest: dest(),
				value: UNIT,
			}),
			RuntimeCall::Balances(pallet_balances::Call::transfer_all {
				dest: dest(),
				keep_alive: true,
			}),
			transfer(Bob, UNIT),
		];
		for call in calls {
			let set = parallel::access_set(&signed(Alice, 0, call.clone()));
			assert_eq!(
				set,
				AccessSet::new().write(account_key(Alice)).write(account_key(Bob)),
				"{call:?}"
			);
		}
	});
}

#[test]
fn describe_reports_the_access_set_and_what_query_info_reports() {
	use codec::Encode;
	development().execute_with(|| {
		let xt = signed(Alice, 0, transfer(Bob, UNIT));
		let length = xt.encoded_size() as u32;
		let info = parallel::describe(std::slice::from_ref(&xt)).pop().expect("one per extrinsic");
		let queried = pex_runtime::TransactionPayment::query_info(xt.clone(), length);
		assert_eq!(info.weight, queried.weight);
		assert_eq!(info.length, length);
		assert_eq!(info.class, pex_primitives::ExtrinsicClass::Normal);
		assert_eq!(info.access, parallel::access_set(&xt));
	});
}

#[test]
fn apply_extrinsics_starts_at_the_given_index_and_rolls_back_refused_ones() {
	development().execute_with(|| {
		parallel_base();
		let issuance = Balances::total_issuance();
		let results = parallel::apply_extrinsics(
			5,
			vec![
				signed(Alice, 0, transfer(Bob, UNIT)),
				// A nonce from the future: refused, and nothing of it stays.
				signed(Charlie, 7, transfer(Bob, UNIT)),
				signed(Bob, 0, transfer(Charlie, UNIT)),
			],
		);
		assert_eq!(results[0], Ok(Ok(())));
		assert!(results[1].is_err());
		assert_eq!(results[2], Ok(Ok(())));
		assert_eq!(System::extrinsic_index(), Some(7));
		let phases: Vec<frame_system::Phase> =
			System::events().into_iter().map(|e| e.phase).collect();
		assert!(phases.contains(&frame_system::Phase::ApplyExtrinsic(5)));
		assert!(phases.contains(&frame_system::Phase::ApplyExtrinsic(6)));
		assert!(!phases.contains(&frame_system::Phase::ApplyExtrinsic(7)));
		assert_eq!(System::account_nonce(Charlie.to_account_id()), 0);
		assert!(Balances::total_issuance() < issuance, "two fees burned");
	});
}

#[test]
fn governance_sets_the_compute_time_of_a_block_within_its_range() {
	use codec::Encode;
	use frame_support::weights::constants::WEIGHT_REF_TIME_PER_MILLIS;
	use pex_runtime::configs::{BlockComputeMillis, BLOCK_COMPUTE_MILLIS_RANGE};
	development().execute_with(|| {
		start_block();
		let normal_capacity = || parallel::block_capacity().normal.weight.ref_time();
		let two_seconds = normal_capacity();
		let set = |millis: u64| {
			let items = vec![(BlockComputeMillis::key().to_vec(), millis.encode())];
			let call = Box::new(RuntimeCall::System(frame_system::Call::set_storage { items }));
			let alice = pex_runtime::RuntimeOrigin::signed(Alice.to_account_id());
			assert!(pex_runtime::Sudo::sudo(alice, call).is_ok());
		};
		let max_block =
			|| <Runtime as frame_system::Config>::BlockWeights::get().max_block.ref_time();
		assert_eq!(max_block(), 2_000 * WEIGHT_REF_TIME_PER_MILLIS, "the default");
		set(10_000);
		assert_eq!(max_block(), 10_000 * WEIGHT_REF_TIME_PER_MILLIS);
		// The normal class keeps its share: five times the block, five times (nearly: the base
		// block weight is not scaled) the capacity.
		assert!(normal_capacity() > 4 * two_seconds, "{} vs {two_seconds}", normal_capacity());
		// Out-of-range values are clamped, so no value can stop the chain.
		set(0);
		assert_eq!(max_block(), BLOCK_COMPUTE_MILLIS_RANGE.start() * WEIGHT_REF_TIME_PER_MILLIS);
		set(u64::MAX);
		assert_eq!(max_block(), BLOCK_COMPUTE_MILLIS_RANGE.end() * WEIGHT_REF_TIME_PER_MILLIS);
	});
}
