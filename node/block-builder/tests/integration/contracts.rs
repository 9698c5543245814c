//! Contracts in parallel blocks: a batch deployment of the Solidity suite next to transfers,
//! and revive calls that touch more than their access sets declare (a contract calling another
//! contract, a contract paying an account), which validation must catch.

use crate::common::*;
use pallet_revive::H160;
use pex_block_builder::LeftOutReason;
use pex_runtime::{UncheckedExtrinsic, UNIT};
use pex_test_chain::{
	contracts::{self, call},
	stock::StockClient,
};

/// Build on 1, 2 and 4 threads; each block imports and all are the same (and, if `complete`,
/// has every candidate). Returns the 2-thread build.
fn build_everywhere(
	chain: &Chain,
	candidates: Vec<UncheckedExtrinsic>,
	complete: bool,
) -> pex_block_builder::BuiltBlock<pex_runtime::Block> {
	let sequential = chain.build(1, candidates.clone());
	assert_imports(chain, &sequential);
	assert!(!complete || sequential.left_out.is_empty(), "{:?}", sequential.left_out);
	let mut two = None;
	for threads in [2, 4] {
		let built = chain.build(threads, candidates.clone());
		assert_imports(chain, &built);
		assert_eq!(built.block, sequential.block, "{threads} threads");
		assert_eq!(built.left_out, sequential.left_out, "{threads} threads");
		two.get_or_insert(built);
	}
	two.expect("built on 2 threads")
}

#[test]
fn a_batch_deployment_next_to_transfers_imports() {
	let chain = Chain::new(12);
	let batch = contracts::suite_batch();
	let mut candidates = vec![chain.transfer(1, 0, 2, UNIT), chain.signed(0, 0, batch)];
	candidates.extend((3..11).step_by(2).map(|i| chain.transfer(i, 0, i + 1, UNIT)));
	let built = build_everywhere(&chain, candidates, true);
	assert_eq!(built.stats.extrinsics, 6);
	assert_eq!(built.stats.groups, 6, "the deployment shares nothing with the transfers");
	assert_eq!(built.stats.spec_version, pex_runtime::VERSION.spec_version);
	assert_eq!(built.stats.hot_keys, pex_runtime::parallel::hot_keys().len());
}

#[test]
fn calls_that_touch_undeclared_state_are_caught_and_rerun() {
	// Accounts 12 to 17 deploy (pallet-revive bumps a deployer's nonce twice), 1 to 10 call.
	let mut chain = Chain::new(18);
	let LyingContracts { counter, relays: [relay_1, relay_2], payers: [payer_1, payer_2], mirror } =
		deploy_lying_contracts(&mut chain, 12);

	let payee = contracts::address(&chain, 11);
	// Each call declares its signer and the contract it calls: all of them look independent.
	let candidates = vec![
		call(&chain, 1, relay_1, "poke(address)", counter, 0),
		call(&chain, 2, relay_2, "poke(address)", counter, 0),
		call(&chain, 3, payer_1, "pay(address)", payee, 5 * UNIT),
		call(&chain, 4, payer_2, "pay(address)", payee, 7 * UNIT),
		chain.transfer(5, 0, 6, UNIT),
		chain.transfer(7, 0, 8, UNIT),
		// Only reads the balance of account 8, to which account 7 pays.
		call(&chain, 9, mirror, "copy(address)", contracts::address(&chain, 8), 0),
	];
	let built = build_everywhere(&chain, candidates, true);
	assert_eq!(built.stats.groups, 7);
	// The second relay call and the second payment write what the first ones write, in another
	// chunk of the same phase (two lanes): validation catches them and their chunk runs again on
	// the merged state (the others were kept, or ran alone in a phase of one chunk), and the
	// block is the 1-thread block.
	assert!(built.stats.reexecuted_chunks >= 1, "{:?}", built.stats);
	assert!(built.stats.reexecuted_extrinsics >= 2, "{:?}", built.stats);
	assert!(built.stats.parallel_extrinsics > 0, "{:?}", built.stats);
	assert!(built.stats.parallel_extrinsics + built.stats.reexecuted_extrinsics <= 7);
}

#[test]
fn a_block_that_would_exceed_the_weight_limit_holds_what_stock_holds() {
	let chain = Chain::new(40);
	// 40 calls, each reserving 50 ms of weight (its weight limit), into 40 different addresses:
	// 40 parallel groups whose reserved sum is far beyond the block's 1.5 s for normal
	// extrinsics. Each uses far less than it reserves, and the runtime gives the rest back: a
	// sequential builder then fits more, and so must pex (in refill rounds).
	let candidates: Vec<_> = (0..40)
		.map(|i| call(&chain, i, H160::repeat_byte(i as u8 + 1), "bump()", H160::zero(), 0))
		.collect();
	let stock = StockClient::new(&chain).build(chain.next_block(), &candidates).expect("stock");
	let built = build_everywhere(&chain, candidates, false);
	assert!(
		built.stats.extrinsics >= stock.extrinsics,
		"stock {}: {:?}",
		stock.extrinsics,
		built.stats
	);
	assert!(built.stats.refill_rounds >= 1, "the first round reserved too much: {:?}", built.stats);
	assert_eq!(built.left_out.len(), 40 - built.stats.extrinsics);
	assert!(built.left_out.iter().all(|l| l.reason == LeftOutReason::DidNotFit));
}
