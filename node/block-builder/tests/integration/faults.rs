//! Faults: a failing read of the parent state at every site of a build, candidates the runtime
//! cannot read, and doomed extrinsics ahead of honest ones. Every block is built on 1, 2, 4 and 8
//! threads and imported by the oracle (a stock node executing it on the parent state); the
//! crowd-out cases are compared with stock sc-block-builder on the same candidates.

use crate::common::*;
use codec::Encode;
use pex_block_builder::{
	BuildError, BuildOptions, BuiltBlock, LeftOutReason, ParallelBlockBuilder, MAX_REFILL_ROUNDS,
};
use pex_runtime::{Block, Runtime, RuntimeCall, UncheckedExtrinsic, UNIT};
use pex_test_chain::stock::StockClient;
use sp_core::storage::{ChildInfo, StateVersion};
use sp_runtime::{
	traits::{BlakeTwo256, Block as _},
	OpaqueExtrinsic,
};
use sp_state_machine::{
	Backend, BackendTransaction, InMemoryBackend, IterArgs, StorageIterator, StorageKey,
	StorageValue, UsageInfo,
};
use sp_trie::MerkleValue;
use std::{
	collections::BTreeSet,
	sync::atomic::{AtomicUsize, Ordering},
};

type State = InMemoryBackend<BlakeTwo256>;

/// A parent state whose reads of some keys fail, as a disk error would: the first `failures`
/// reads of any of `failing` (all of them if `None`) return an error.
struct FaultyBackend<'a> {
	inner: &'a State,
	failing: BTreeSet<Vec<u8>>,
	failures: Option<AtomicUsize>,
}

impl<'a> FaultyBackend<'a> {
	fn always(inner: &'a State, failing: &[Vec<u8>]) -> Self {
		Self { inner, failing: failing.iter().cloned().collect(), failures: None }
	}

	fn once(inner: &'a State, failing: &[Vec<u8>]) -> Self {
		Self { failures: Some(AtomicUsize::new(1)), ..Self::always(inner, failing) }
	}

	fn check(&self, key: &[u8]) -> Result<(), String> {
		if !self.failing.contains(key) {
			return Ok(())
		}
		let fails = match &self.failures {
			None => true,
			Some(left) => left
				.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
				.is_ok(),
		};
		if fails {
			Err(format!("injected read error of {}", sp_core::hexdisplay::HexDisplay::from(&key)))
		} else {
			Ok(())
		}
	}
}

impl core::fmt::Debug for FaultyBackend<'_> {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.write_str("FaultyBackend")
	}
}

struct FaultyIter<'a>(<State as Backend<BlakeTwo256>>::RawIter, core::marker::PhantomData<&'a ()>);

impl<'a> StorageIterator<BlakeTwo256> for FaultyIter<'a> {
	type Backend = FaultyBackend<'a>;
	type Error = String;

	fn next_key(&mut self, backend: &Self::Backend) -> Option<Result<StorageKey, String>> {
		self.0.next_key(backend.inner)
	}

	fn next_pair(
		&mut self,
		backend: &Self::Backend,
	) -> Option<Result<(StorageKey, StorageValue), String>> {
		self.0.next_pair(backend.inner)
	}

	fn was_complete(&self) -> bool {
		self.0.was_complete()
	}
}

impl<'a> Backend<BlakeTwo256> for FaultyBackend<'a> {
	type Error = String;
	type TrieBackendStorage = <State as Backend<BlakeTwo256>>::TrieBackendStorage;
	type RawIter = FaultyIter<'a>;

	fn storage(&self, key: &[u8]) -> Result<Option<StorageValue>, String> {
		self.check(key)?;
		self.inner.storage(key)
	}

	fn storage_hash(&self, key: &[u8]) -> Result<Option<sp_core::H256>, String> {
		self.check(key)?;
		self.inner.storage_hash(key)
	}

	fn closest_merkle_value(
		&self,
		key: &[u8],
	) -> Result<Option<MerkleValue<sp_core::H256>>, String> {
		self.inner.closest_merkle_value(key)
	}

	fn child_closest_merkle_value(
		&self,
		child_info: &ChildInfo,
		key: &[u8],
	) -> Result<Option<MerkleValue<sp_core::H256>>, String> {
		self.inner.child_closest_merkle_value(child_info, key)
	}

	fn child_storage(
		&self,
		child_info: &ChildInfo,
		key: &[u8],
	) -> Result<Option<StorageValue>, String> {
		self.inner.child_storage(child_info, key)
	}

	fn child_storage_hash(
		&self,
		child_info: &ChildInfo,
		key: &[u8],
	) -> Result<Option<sp_core::H256>, String> {
		self.inner.child_storage_hash(child_info, key)
	}

	fn exists_storage(&self, key: &[u8]) -> Result<bool, String> {
		self.check(key)?;
		self.inner.exists_storage(key)
	}

	fn exists_child_storage(&self, child_info: &ChildInfo, key: &[u8]) -> Result<bool, String> {
		self.inner.exists_child_storage(child_info, key)
	}

	fn next_storage_key(&self, key: &[u8]) -> Result<Option<StorageKey>, String> {
		self.inner.next_storage_key(key)
	}

	fn next_child_storage_key(
		&self,
		child_info: &ChildInfo,
		key: &[u8],
	) -> Result<Option<StorageKey>, String> {
		self.inner.next_child_storage_key(child_info, key)
	}

	fn storage_root<'b>(
		&self,
		delta: impl Iterator<Item = (&'b [u8], Option<&'b [u8]>)>,
		state_version: StateVersion,
	) -> (sp_core::H256, BackendTransaction<BlakeTwo256>) {
		self.inner.storage_root(delta, state_version)
	}

	fn child_storage_root<'b>(
		&self,
		child_info: &ChildInfo,
		delta: impl Iterator<Item = (&'b [u8], Option<&'b [u8]>)>,
		state_version: StateVersion,
	) -> (sp_core::H256, bool, BackendTransaction<BlakeTwo256>) {
		self.inner.child_storage_root(child_info, delta, state_version)
	}

	fn raw_iter(&self, args: IterArgs) -> Result<Self::RawIter, String> {
		Ok(FaultyIter(self.inner.raw_iter(args)?, Default::default()))
	}

	fn register_overlay_stats(&self, stats: &sp_state_machine::StateMachineStats) {
		self.inner.register_overlay_stats(stats)
	}

	fn usage_info(&self) -> UsageInfo {
		self.inner.usage_info()
	}
}

/// The storage key of account `n`'s `System::Account`.
fn account_key(chain: &Chain, n: usize) -> Vec<u8> {
	frame_system::Account::<Runtime>::hashed_key_for(chain.account(n))
}

/// Build the next block of `chain` on `state` (the chain's state, perhaps failing) with
/// `threads` threads.
fn build_on<S: Backend<BlakeTwo256> + Sync>(
	chain: &Chain,
	state: &S,
	threads: usize,
	candidates: Vec<UncheckedExtrinsic>,
) -> Result<BuiltBlock<Block>, BuildError> {
	let options = BuildOptions { threads, lanes: TEST_LANES, ..Default::default() };
	let builder = ParallelBlockBuilder::with_runtime(runtime(), options).expect("a builder");
	builder.build(state, chain.inputs(), candidates)
}

/// The hash of a block's header.
fn hash(built: &BuiltBlock<Block>) -> sp_core::H256 {
	use sp_runtime::traits::Hash as _;
	BlakeTwo256::hash_of(built.block.header())
}

/// Positions of the left-out candidates, each with the name of its reason.
fn reasons<X>(left_out: &[pex_block_builder::LeftOut<X>]) -> Vec<(usize, &'static str)> {
	left_out
		.iter()
		.map(|l| {
			let reason = match l.reason {
				LeftOutReason::DidNotFit => "DidNotFit",
				LeftOutReason::Invalid(_) => "Invalid",
				LeftOutReason::Malformed(_) => "Malformed",
				LeftOutReason::Failed(_) => "Failed",
				LeftOutReason::Deadline => "Deadline",
				LeftOutReason::OnlyInherents => "OnlyInherents",
			};
			(l.position, reason)
		})
		.collect()
}

/// The candidates: `[1→2, 7→8, 8→3, 5→6]`; 7→8 and 8→3 share account 8, one group.
fn four_transfers(chain: &Chain) -> Vec<UncheckedExtrinsic> {
	vec![
		chain.transfer(1, 0, 2, UNIT),
		chain.transfer(7, 0, 8, UNIT),
		chain.transfer(8, 0, 3, UNIT),
		chain.transfer(5, 0, 6, UNIT),
	]
}

#[test]
fn a_read_that_always_fails_leaves_out_only_the_extrinsic_that_needs_it() {
	let chain = Chain::new(10);
	let faulty = FaultyBackend::always(&chain.state, &[account_key(&chain, 3)]);
	// Signed once: sr25519 signatures differ every time.
	let candidates = four_transfers(&chain);
	let mut blocks = Vec::new();
	for threads in [1, 2, 4, 8] {
		let built = build_on(&chain, &faulty, threads, candidates.clone()).expect("builds");
		// The run holding 8→3 traps: in the parallel phase (the chunk), then in its
		// re-execution, which applies it again in halves until only 8→3 fails.
		assert_eq!(reasons(&built.left_out), vec![(2, "Failed")], "{threads} threads");
		assert_eq!(built.stats.extrinsics, 3, "{threads} threads");
		if threads > 1 {
			assert!(built.stats.reexecuted_chunks >= 1, "{:?}", built.stats);
		}
		assert_imports(&chain, &built);
		blocks.push(hash(&built));
	}
	assert!(blocks.windows(2).all(|w| w[0] == w[1]), "one block on every thread count");
}

#[test]
fn a_read_that_fails_once_costs_a_retry_and_no_extrinsic() {
	let chain = Chain::new(10);
	let candidates = four_transfers(&chain);
	let mut blocks = Vec::new();
	for threads in [1, 2, 4, 8] {
		// The first read of account 3 fails: on one thread inside the block's one run (which
		// the builder then applies in halves), on more inside the parallel chunk (which is
		// re-executed). Nothing of the failed call may stay behind.
		let faulty = FaultyBackend::once(&chain.state, &[account_key(&chain, 3)]);
		let built = build_on(&chain, &faulty, threads, candidates.clone()).expect("builds");
		assert_eq!(reasons(&built.left_out), vec![], "{threads} threads");
		assert_eq!(built.stats.extrinsics, 4);
		assert_imports(&chain, &built);
		blocks.push(hash(&built));
	}
	assert!(blocks.windows(2).all(|w| w[0] == w[1]), "one block on every thread count");
}

#[test]
fn a_read_failing_in_a_re_execution_of_a_moved_group_leaves_no_half_applied_run() {
	let chain = Chain::new(10);
	// The first candidate is refused (a nonce from the future), so every later group starts one
	// index earlier than planned and runs again on the merged state; there 7→8, 8→3 traps as
	// one run, and is applied again in halves.
	let mut candidates = vec![chain.transfer(0, 5, 9, UNIT)];
	candidates.extend(four_transfers(&chain));
	let faulty = FaultyBackend::always(&chain.state, &[account_key(&chain, 3)]);
	let mut blocks = Vec::new();
	for threads in [1, 2, 4, 8] {
		let built = build_on(&chain, &faulty, threads, candidates.clone()).expect("builds");
		assert_eq!(reasons(&built.left_out), vec![(0, "Invalid"), (3, "Failed")]);
		assert_eq!(built.stats.extrinsics, 3);
		assert_imports(&chain, &built);
		blocks.push(hash(&built));
	}
	assert!(blocks.windows(2).all(|w| w[0] == w[1]), "one block on every thread count");
}

/// Check that a build failed as a whole in runtime call `site`, with an error, not a block.
fn assert_fails_in(result: Result<BuiltBlock<Block>, BuildError>, site: &str) {
	match result {
		Err(BuildError::Runtime { method, .. }) => assert_eq!(method, site),
		Err(other) => panic!("{site}: another error: {other}"),
		Ok(_) => panic!("{site}: built a block on a state it could not read"),
	}
}

#[test]
fn a_read_failing_in_the_base_fails_the_build_with_an_error_not_a_panic() {
	let chain = Chain::new(10);
	// `Core_initialize_block` reads `System::LastRuntimeUpgrade`; creating the timestamp
	// inherent reads `Timestamp::Now`.
	let sites = [
		(
			frame_system::LastRuntimeUpgrade::<Runtime>::hashed_key().to_vec(),
			"Core_initialize_block",
		),
		(
			pallet_timestamp::Now::<Runtime>::hashed_key().to_vec(),
			"BlockBuilder_inherent_extrinsics",
		),
	];
	for (key, site) in sites {
		for threads in [1, 2, 4, 8] {
			let faulty = FaultyBackend::always(&chain.state, std::slice::from_ref(&key));
			assert_fails_in(build_on(&chain, &faulty, threads, four_transfers(&chain)), site);
		}
	}
}

#[test]
fn a_read_failing_in_finalize_fails_the_build_with_an_error_not_a_panic() {
	let chain = Chain::new(10);
	// Only `on_finalize` of pallet-transaction-payment reads `NextFeeMultiplier` in a block
	// without transactions.
	let key = pallet_transaction_payment::NextFeeMultiplier::<Runtime>::hashed_key().to_vec();
	for threads in [1, 2, 4, 8] {
		let faulty = FaultyBackend::always(&chain.state, std::slice::from_ref(&key));
		assert_fails_in(
			build_on(&chain, &faulty, threads, Vec::new()),
			"BlockBuilder_finalize_block",
		);
	}
}

/// Build on every thread count, check every block against the oracle, and that all are one.
fn build_everywhere_opaque(
	chain: &Chain,
	candidates: Vec<OpaqueExtrinsic>,
) -> BuiltBlock<pex_runtime::opaque::Block> {
	let reference = chain.build_opaque(
		BuildOptions { threads: 1, lanes: TEST_LANES, ..Default::default() },
		candidates.clone(),
	);
	assert_imports(chain, &reference);
	for threads in [2, 4, 8] {
		let built = chain.build_opaque(
			BuildOptions { threads, lanes: TEST_LANES, ..Default::default() },
			candidates.clone(),
		);
		assert_imports(chain, &built);
		assert_eq!(built.block, reference.block, "{threads} threads build the 1-thread block");
		assert_eq!(built.left_out, reference.left_out);
	}
	reference
}

#[test]
fn a_candidate_whose_call_does_not_decode_is_left_out_alone() {
	let chain = Chain::new(20);
	let mut candidates: Vec<OpaqueExtrinsic> =
		(0..10).map(|i| opaque(&chain.transfer(2 * i, 0, 2 * i + 1, UNIT))).collect();
	candidates.insert(4, undecodable(&chain.transfer(19, 0, 18, UNIT)));
	candidates.push(undecodable(&chain.transfer(18, 0, 19, UNIT)));
	candidates.push(OpaqueExtrinsic::from_blob(vec![4, 0, 0]));
	let built = build_everywhere_opaque(&chain, candidates);
	assert_eq!(
		reasons(&built.left_out),
		vec![(4, "Malformed"), (11, "Malformed"), (12, "Malformed")]
	);
	assert_eq!(built.stats.extrinsics, 10);
}

/// `size` bytes remarked by account `signer`.
fn remark(chain: &Chain, signer: usize, nonce: u32, size: usize) -> UncheckedExtrinsic {
	chain.signed(
		signer,
		nonce,
		RuntimeCall::System(frame_system::Call::remark { remark: vec![7; size] }),
	)
}

/// What stock sc-block-builder includes of `candidates`: the count, and which of them.
fn stock_inclusion(chain: &Chain, candidates: &[UncheckedExtrinsic]) -> (usize, Vec<usize>) {
	let stock = StockClient::new(chain)
		.build(chain.next_block(), candidates)
		.expect("stock builds");
	let body: BTreeSet<Vec<u8>> = stock.block.extrinsics().iter().map(Encode::encode).collect();
	let included = (0..candidates.len())
		.filter(|&i| body.contains(&candidates[i].encode()))
		.collect();
	(stock.extrinsics, included)
}

/// Which of `candidates` `built` includes.
fn pex_inclusion(candidates: &[UncheckedExtrinsic], built: &BuiltBlock<Block>) -> Vec<usize> {
	let out: BTreeSet<usize> = built.left_out.iter().map(|l| l.position).collect();
	(0..candidates.len()).filter(|i| !out.contains(i)).collect()
}

#[test]
fn oversized_candidates_are_left_out_by_bytes_whatever_the_thread_count() {
	let chain = Chain::new(30);
	// Twelve valid 3 MiB remarks (36 MiB of candidates, more than the runtime can take in one
	// allocation), one 17 MiB remark (more than a block holds), and transfers between them.
	let mut candidates: Vec<_> = (0..12).map(|i| remark(&chain, i, 0, 3 << 20)).collect();
	candidates.insert(3, remark(&chain, 12, 0, 17 << 20));
	candidates.extend((13..23).map(|i| chain.transfer(i, 0, i + 1, UNIT)));
	let (stock_count, stock_included) = stock_inclusion(&chain, &candidates);
	let opaque_candidates: Vec<_> = candidates.iter().map(opaque).collect();
	let built = build_everywhere_opaque(&chain, opaque_candidates);
	// One 3 MiB remark fits the normal class's 3.75 MiB; the rest waits for other blocks.
	assert_eq!(built.stats.extrinsics, 11, "{:?}", built.left_out.len());
	assert!(built.stats.extrinsics >= stock_count, "stock included {stock_count}");
	assert!(built.left_out.iter().all(|l| l.reason == LeftOutReason::DidNotFit));
	let out: BTreeSet<usize> = built.left_out.iter().map(|l| l.position).collect();
	let included: Vec<usize> = (0..candidates.len()).filter(|i| !out.contains(i)).collect();
	assert_eq!(included, stock_included, "the same extrinsics as stock");
}

/// Build on every thread count, check each block against the oracle and stock's inclusion, and
/// that all are one.
fn build_everywhere_against_stock(
	chain: &Chain,
	candidates: &[UncheckedExtrinsic],
) -> BuiltBlock<Block> {
	let (stock_count, _) = stock_inclusion(chain, candidates);
	let reference = chain.build(1, candidates.to_vec());
	assert_imports(chain, &reference);
	assert!(
		reference.stats.extrinsics >= stock_count,
		"pex included {}, stock {stock_count}",
		reference.stats.extrinsics
	);
	for threads in [2, 4, 8] {
		let built = chain.build(threads, candidates.to_vec());
		assert_imports(chain, &built);
		assert_eq!(hash(&built), hash(&reference), "{threads} threads build the 1-thread block");
		assert_eq!(built.left_out, reference.left_out);
		assert_eq!(built.stats.refill_rounds, reference.stats.refill_rounds);
	}
	assert!(reference.stats.refill_rounds <= MAX_REFILL_ROUNDS);
	reference
}

#[test]
fn future_nonces_ahead_of_valid_transfers_do_not_empty_the_block() {
	// 100 ms blocks hold 98 transfers.
	let chain = Chain::with_block_compute(800, Some(100));
	let doomed = (0..300).map(|i| (i, 1, (i + 1) % 300, UNIT));
	let valid = (300..800).map(|i| (i, 0, i - 300, UNIT));
	let candidates = chain.transfers(&doomed.chain(valid).collect::<Vec<_>>());
	let (stock_count, _) = stock_inclusion(&chain, &candidates);
	assert_eq!(stock_count, 98, "the block's capacity in transfers");
	let built = build_everywhere_against_stock(&chain, &candidates);
	assert_eq!(built.stats.extrinsics, 98);
	assert!(built.stats.refill_rounds >= 2, "{:?}", built.stats);
	assert_eq!(built.stats.refilled_extrinsics, 98);
	let invalid = built.left_out.iter().filter(|l| matches!(l.reason, LeftOutReason::Invalid(_)));
	assert_eq!(invalid.count(), 300, "every future nonce was tried and refused");
}

#[test]
fn accounts_that_can_pay_one_fee_cannot_crowd_out_honest_transfers() {
	let chain = Chain::with_block_compute(200, Some(100));
	// Accounts 0..20 each send everything they have away, then nine transfers they cannot pay
	// for; each passes a pool's checks against the parent state. 150 honest transfers follow.
	let mut candidates = Vec::new();
	for attacker in 0..20 {
		let all = pallet_balances::Call::transfer_all {
			dest: sp_runtime::MultiAddress::Id(chain.account(199)),
			keep_alive: false,
		};
		candidates.push(chain.signed(attacker, 0, RuntimeCall::Balances(all)));
		candidates.extend((1..10).map(|nonce| chain.transfer(attacker, nonce, 198, UNIT)));
	}
	let honest: Vec<_> = (20..170).map(|i| (i, 0, i + 1, UNIT)).collect();
	candidates.extend(chain.transfers(&honest));
	let (stock_count, stock_included) = stock_inclusion(&chain, &candidates);
	let built = build_everywhere_against_stock(&chain, &candidates);
	let honest_in = |included: &[usize]| included.iter().filter(|&&i| i >= 200).count();
	let pex_included = pex_inclusion(&candidates, &built);
	assert!(built.stats.extrinsics >= stock_count);
	assert!(
		honest_in(&pex_included) >= honest_in(&stock_included),
		"pex {} honest, stock {}",
		honest_in(&pex_included),
		honest_in(&stock_included)
	);
}
