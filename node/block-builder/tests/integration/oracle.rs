//! The oracle suite: every block built here is executed by a stock node (`Core_execute_block` in
//! WASM on the parent state) and must reach the state root in its header; the same candidates
//! give the same block on 1, 2, 4 and 8 threads.

use crate::common::*;
use pex_block_builder::{BuildOptions, LeftOutReason};
use pex_runtime::{RuntimeCall, UncheckedExtrinsic, UNIT};
use pex_test_chain::{
	contracts::{self, call_data, Contract},
	scenario::Scenario,
};
use rand::{rngs::StdRng, Rng, SeedableRng};
use sp_runtime::traits::{Block as _, Hash as _};
use std::time::Duration;

/// `count` transfers among `accounts` accounts, senders and receivers uniform, nonces in order:
/// the harness's `transfers` scenario.
fn random_transfers(
	chain: &Chain,
	accounts: usize,
	count: usize,
	seed: u64,
) -> Vec<pex_runtime::UncheckedExtrinsic> {
	Scenario::Transfers { accounts: accounts as u32, txs: count as u32 }
		.extrinsics(chain, seed)
		.expect("transfers among the chain's accounts")
}

/// Build on every thread count, check every block against the oracle and that all are one.
fn check_all_thread_counts(
	chain: &Chain,
	candidates: Vec<pex_runtime::UncheckedExtrinsic>,
) -> pex_block_builder::BuiltBlock<pex_runtime::Block> {
	let reference = chain.build(1, candidates.clone());
	assert_imports(chain, &reference);
	let hash = |built: &pex_block_builder::BuiltBlock<pex_runtime::Block>| {
		sp_runtime::traits::BlakeTwo256::hash_of(built.block.header())
	};
	for threads in [2, 4, 8] {
		let built = chain.build(threads, candidates.clone());
		assert_imports(chain, &built);
		assert_eq!(hash(&built), hash(&reference), "{threads} threads build the 1-thread block");
		assert_eq!(built.left_out, reference.left_out);
	}
	reference
}

#[test]
fn transfers_among_few_and_many_accounts_import_with_the_same_root_on_every_thread_count() {
	for (accounts, count) in [(2, 60), (10, 60), (100, 100), (1_000, 200), (10_000, 300)] {
		let chain = Chain::new(accounts as u32);
		let candidates = random_transfers(&chain, accounts, count, accounts as u64);
		let built = check_all_thread_counts(&chain, candidates);
		assert_eq!(built.stats.extrinsics, count, "{accounts} accounts: all transfers in");
		assert!(built.left_out.is_empty());
	}
}

#[test]
fn a_zipf_hot_account_mix_imports_with_the_same_root_on_every_thread_count() {
	let chain = Chain::new(1_000);
	let zipf = Scenario::Zipf { exponent: 1.0, accounts: 1_000, txs: 200 };
	let candidates = zipf.extrinsics(&chain, 1).expect("transfers among the chain's accounts");
	let built = check_all_thread_counts(&chain, candidates);
	assert_eq!(built.stats.extrinsics, 200);
	assert!(built.stats.groups > 1 && built.stats.groups < 200, "{:?}", built.stats);
}

#[test]
fn unrelated_transfers_run_in_parallel_and_keep_their_results() {
	let chain = Chain::new(40);
	// 20 disjoint pairs: 20 groups.
	let candidates: Vec<_> = (0..20)
		.map(|i| chain.transfer(2 * i, 0, 2 * i + 1, pex_runtime::UNIT))
		.collect();
	let built = chain.build(2, candidates);
	assert_imports(&chain, &built);
	assert_eq!(built.stats.groups, 20);
	assert_eq!(built.stats.parallel_extrinsics, 20, "{:?}", built.stats);
	assert_eq!(built.stats.reexecuted_chunks, 0);
	// Twenty transfers of one weight, none waiting for another: the critical path is one.
	assert_eq!(built.stats.critical_path * 20, built.stats.admitted_weight, "{:?}", built.stats);
	let concurrency = built.stats.concurrency();
	assert!(concurrency > 0.0 && concurrency <= 1.0, "{:?}", built.stats);
}

#[test]
fn a_chain_of_transfers_is_its_own_critical_path_and_runs_without_concurrency() {
	let chain = Chain::new(11);
	let candidates: Vec<_> =
		(0..10).map(|i| chain.transfer(i, 0, i + 1, pex_runtime::UNIT)).collect();
	let built = chain.build(2, candidates);
	assert_imports(&chain, &built);
	assert_eq!(built.stats.groups, 1);
	assert_eq!(built.stats.critical_path, built.stats.admitted_weight, "{:?}", built.stats);
	assert_eq!(built.stats.critical_path_share(), 1.0);
	assert_eq!(built.stats.concurrency(), 0.0, "one group runs on the sequential path");
}

#[test]
fn invalid_transactions_are_left_out_with_their_reason_and_the_rest_imports() {
	let chain = Chain::new(10);
	let bad_nonce = chain.transfer(1, 5, 2, pex_runtime::UNIT);
	let broke = {
		// Account 3 sends everything it has, then cannot pay the next fee.
		let all = chain.signed(
			3,
			0,
			pex_runtime::RuntimeCall::Balances(pallet_balances::Call::transfer_all {
				dest: sp_runtime::MultiAddress::Id(chain.account(4)),
				keep_alive: false,
			}),
		);
		vec![all, chain.transfer(3, 1, 5, pex_runtime::UNIT)]
	};
	let overdraft = chain.transfer(6, 0, 7, 10 * ENDOWMENT);
	let mut candidates = vec![chain.transfer(0, 0, 1, pex_runtime::UNIT), bad_nonce];
	candidates.extend(broke);
	candidates.push(overdraft);
	candidates.push(chain.transfer(8, 0, 9, pex_runtime::UNIT));
	let built = check_all_thread_counts(&chain, candidates);
	let reasons: Vec<(usize, bool)> = built
		.left_out
		.iter()
		.map(|l| (l.position, matches!(l.reason, LeftOutReason::Invalid(_))))
		.collect();
	// The bad nonce (position 1) and the unpayable fee (position 3) are refused; the overdraft
	// is a failing dispatch, which pays its fee and is in the block.
	assert_eq!(reasons, vec![(1, true), (3, true)]);
	assert_eq!(built.stats.extrinsics, 4);
}

#[test]
fn the_same_candidates_give_the_same_block_run_after_run() {
	// One component cut into phases of parallel chunks: thread timing has every chance to show.
	let chain = Chain::new(50);
	let candidates = random_transfers(&chain, 50, 200, 9);
	let first = chain.build(8, candidates.clone());
	assert_imports(&chain, &first);
	assert!(first.stats.phases > 1 && first.stats.chunks > first.stats.phases, "{:?}", first.stats);
	for _ in 0..100 {
		assert_eq!(chain.build(8, candidates.clone()).block, first.block);
	}
}

#[test]
fn after_the_deadline_nothing_more_runs_and_nothing_is_lost() {
	let chain = Chain::new(10);
	let candidates = random_transfers(&chain, 10, 20, 3);
	for threads in [1, 2] {
		let options = BuildOptions {
			threads,
			lanes: TEST_LANES,
			deadline: Some(Duration::ZERO),
			..Default::default()
		};
		let built = chain.build_with(options, candidates.clone());
		assert_imports(&chain, &built);
		assert_eq!(built.stats.extrinsics, 0);
		assert_eq!(built.left_out.len(), 20, "every candidate is reported back");
		assert!(built.left_out.iter().all(|l| l.reason == LeftOutReason::Deadline));
		let positions: Vec<usize> = built.left_out.iter().map(|l| l.position).collect();
		assert_eq!(positions, (0..20).collect::<Vec<_>>());
	}
}

/// One random block: 2 to 50 accounts, up to 40 candidates in a node's opaque form: transfers
/// (some with a nonce from the future, some overdrawing), accounts that send everything away and
/// then transfers they cannot pay for (doomed), candidates whose call does not decode, and now
/// and then a remark longer than a block. Built on 1 thread and on 2, 4 or 8, both checked by the
/// oracle and equal.
fn random_block(seed: u64) {
	let mut rng = StdRng::seed_from_u64(seed);
	let accounts = rng.gen_range(2..=50usize);
	let chain = Chain::new(accounts as u32);
	let mut nonces = vec![0u32; accounts];
	let mut candidates = Vec::new();
	for _ in 0..rng.gen_range(0..=40) {
		let from = rng.gen_range(0..accounts);
		let to = rng.gen_range(0..accounts);
		let next_nonce = |nonces: &mut Vec<u32>| {
			nonces[from] += 1;
			nonces[from] - 1
		};
		let candidate = match rng.gen_range(0..40) {
			// A nonce from the future: invalid.
			0 | 1 => opaque(&chain.transfer(from, nonces[from] + 3, to, pex_runtime::UNIT)),
			// More than the sender has: a failing dispatch, which pays its fee.
			2 | 3 => opaque(&chain.transfer(from, next_nonce(&mut nonces), to, 2 * ENDOWMENT)),
			// Everything away: the sender's later transfers are doomed.
			4 => {
				let all = pallet_balances::Call::transfer_all {
					dest: sp_runtime::MultiAddress::Id(chain.account(to)),
					keep_alive: false,
				};
				let call = pex_runtime::RuntimeCall::Balances(all);
				opaque(&chain.signed(from, next_nonce(&mut nonces), call))
			},
			5 => undecodable(&chain.transfer(from, next_nonce(&mut nonces), to, pex_runtime::UNIT)),
			6 if rng.gen_ratio(1, 8) => {
				let remark = frame_system::Call::remark { remark: vec![1; 4 << 20] };
				opaque(&chain.signed(
					from,
					next_nonce(&mut nonces),
					pex_runtime::RuntimeCall::System(remark),
				))
			},
			_ => {
				let value = rng.gen_range(1..1_000) * pex_runtime::UNIT;
				opaque(&chain.transfer(from, next_nonce(&mut nonces), to, value))
			},
		};
		candidates.push(candidate);
	}
	let options = |threads| BuildOptions { threads, lanes: TEST_LANES, ..Default::default() };
	let sequential = chain.build_opaque(options(1), candidates.clone());
	assert_imports(&chain, &sequential);
	let threads = [2, 4, 8][rng.gen_range(0..3)];
	let parallel = chain.build_opaque(options(threads), candidates);
	assert_imports(&chain, &parallel);
	assert_eq!(parallel.block, sequential.block, "seed {seed}: {threads} threads");
	assert_eq!(parallel.left_out, sequential.left_out, "seed {seed}");
}

/// The number of random blocks: `PEX_ORACLE_BLOCKS`, else `default`.
fn blocks(default: u64) -> u64 {
	std::env::var("PEX_ORACLE_BLOCKS")
		.ok()
		.and_then(|n| n.parse().ok())
		.unwrap_or(default)
}

#[test]
fn random_blocks_import_with_the_same_root_and_do_not_depend_on_threads() {
	for seed in 0..blocks(200) {
		random_block(seed);
	}
}

/// The long run: `cargo test -p pex-block-builder --release --test integration -- oracle::
/// --ignored`.
#[test]
#[ignore = "10,000 blocks: run on demand"]
fn ten_thousand_random_blocks() {
	for seed in 1_000_000..1_000_000 + blocks(10_000) {
		random_block(seed);
	}
}

// Random blocks of everything the runtime runs: transfers at mixed contention (a few hot accounts
// or many cold ones), contract calls whose access sets lie (a relay bumping a shared counter,
// payers paying one account, a mirror reading a balance a transfer changes), contract
// deployments, batch deployments of the Solidity suite (one deployer twice: the second fails),
// nonces from the future, overdrafts. Each block is built on 1 thread and on 2, 4 or 8, both
// executed by a stock node on the parent state, and must be one block.

/// Accounts that sign the random candidates (0 to 29); 30 to 35 deployed the fixed contracts.
const SIGNERS: usize = 30;

/// The chain every random block builds on: 40 accounts, and the lying contracts deployed by
/// accounts 30 to 35.
fn setup() -> (Chain, LyingContracts) {
	let mut chain = Chain::new(40);
	let contracts = deploy_lying_contracts(&mut chain, SIGNERS);
	(chain, contracts)
}

/// A deployment of a Counter from `signer` with `nonce` (its own salt: a new address each time).
fn deploy_counter(chain: &Chain, signer: usize, nonce: u32) -> UncheckedExtrinsic {
	let call = RuntimeCall::Revive(pallet_revive::Call::instantiate_with_code {
		value: 0,
		weight_limit: contracts::weight_limit(),
		storage_deposit_limit: 1_000 * UNIT,
		code: Contract::Counter.bytecode(),
		data: Vec::new(),
		salt: Some([nonce as u8; 32]),
	});
	chain.signed(signer, nonce, call)
}

/// Up to 24 random candidates on `chain`, calling `setup`'s contracts. Signers are drawn from 2, 5
/// or all 30 accounts (contention from one chain of conflicts to none), receivers likewise.
fn random_candidates(
	chain: &Chain,
	setup: &LyingContracts,
	rng: &mut StdRng,
) -> Vec<UncheckedExtrinsic> {
	let crowd = [2, 5, SIGNERS][rng.gen_range(0..3)];
	let mut nonces = [0u32; SIGNERS];
	let mut candidates = Vec::new();
	for _ in 0..rng.gen_range(1..=24) {
		let from = rng.gen_range(0..crowd);
		let to = rng.gen_range(0..crowd.max(3));
		let nonce = nonces[from];
		nonces[from] += 1;
		let signed = |call| chain.signed(from, nonce, call);
		let candidate = match rng.gen_range(0..20) {
			// A lie: bumps the one Counter through either relay.
			0..=2 => {
				let relay = setup.relays[rng.gen_range(0..2)];
				signed(call_data(relay, "poke(address)", setup.counter, 0))
			},
			// A lie: pays account `to` through either payer.
			3 | 4 => {
				let payer = setup.payers[rng.gen_range(0..2)];
				signed(call_data(payer, "pay(address)", contracts::address(chain, to), 3 * UNIT))
			},
			// A lie: reads the balance of account `to`, which transfers change.
			5 | 6 =>
				signed(call_data(setup.mirror, "copy(address)", contracts::address(chain, to), 0)),
			7 => deploy_counter(chain, from, nonce),
			// The suite, all or nothing; a second batch of one deployer fails (the addresses
			// are taken) and still pays its fee.
			8 => signed(contracts::suite_batch()),
			// A nonce from the future: invalid, and the sender's later nonces stay in order.
			9 => {
				nonces[from] -= 1;
				chain.transfer(from, nonce + 5, to, UNIT)
			},
			// More than the sender has: a failing dispatch, which pays its fee.
			10 => chain.transfer(from, nonce, to, 2 * ENDOWMENT),
			_ => chain.transfer(from, nonce, to, rng.gen_range(1..1_000) * UNIT),
		};
		candidates.push(candidate);
	}
	candidates
}

#[test]
fn random_blocks_of_contracts_deployments_lies_and_transfers_import_on_every_thread_count() {
	let (chain, setup) = setup();
	let chain = &chain;
	let options = |threads| BuildOptions { threads, lanes: TEST_LANES, ..Default::default() };
	let (mut rejected, mut included) = (0, 0);
	for seed in 0..blocks(60) {
		let mut rng = StdRng::seed_from_u64(seed);
		let candidates = random_candidates(chain, &setup, &mut rng);
		let sequential = chain.build_with(options(1), candidates.clone());
		assert_imports(chain, &sequential);
		let threads = [2, 4, 8][rng.gen_range(0..3)];
		let parallel = chain.build_with(options(threads), candidates);
		assert_imports(chain, &parallel);
		assert_eq!(parallel.block, sequential.block, "seed {seed}: {threads} threads");
		assert_eq!(parallel.left_out, sequential.left_out, "seed {seed}");
		rejected += parallel.stats.reexecuted_chunks;
		included += parallel.stats.extrinsics;
	}
	// The generator must reach what it is for: lies caught by validation, and full blocks.
	assert!(rejected > 0, "no random block had a chunk rejected");
	assert!(included > 0, "no random block held an extrinsic");
}
