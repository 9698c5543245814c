//! Random blocks of everything the runtime runs, for the oracle: transfers at mixed contention
//! (a few hot accounts or many cold ones), contract calls whose access sets lie (a relay bumping
//! a shared counter, payers paying one account, a mirror reading a balance a transfer changes),
//! contract deployments, batch deployments of the Solidity suite (one deployer twice: the second
//! fails), nonces from the future, overdrafts. Each block is built on 1 thread and on 2, 4 or 8,
//! both executed by a stock node on the parent state, and must be one block.

use pallet_revive::H160;
use pex_bench::{
	chain::*,
	contracts::{self, call_data, deploy, Contract},
};
use pex_block_builder::BuildOptions;
use pex_runtime::{RuntimeCall, UncheckedExtrinsic, UNIT};
use rand::{rngs::StdRng, Rng, SeedableRng};

/// Accounts that sign the random candidates (0 to 29); 30 to 35 deployed the fixed contracts.
const SIGNERS: usize = 30;

/// The chain every random block builds on: 40 accounts, and a Counter, two Relays, two Payers and
/// a Mirror deployed by accounts 30 to 35.
struct Setup {
	chain: Chain,
	counter: H160,
	relays: [H160; 2],
	payers: [H160; 2],
	mirror: H160,
}

fn setup() -> Setup {
	let mut chain = Chain::new(40);
	let (counter_xt, counter) = deploy(&chain, 30, Contract::Counter);
	let (relay_1_xt, relay_1) = deploy(&chain, 31, Contract::Relay);
	let (relay_2_xt, relay_2) = deploy(&chain, 32, Contract::Relay);
	let (payer_1_xt, payer_1) = deploy(&chain, 33, Contract::Payer);
	let (payer_2_xt, payer_2) = deploy(&chain, 34, Contract::Payer);
	let (mirror_xt, mirror) = deploy(&chain, 35, Contract::Mirror);
	let setup = vec![counter_xt, relay_1_xt, relay_2_xt, payer_1_xt, payer_2_xt, mirror_xt];
	let deployed = chain.build(1, setup);
	assert_imports(&chain, &deployed);
	assert_eq!(deployed.stats.extrinsics, 6, "{:?}", deployed.left_out);
	chain.advance(deployed);
	Setup { chain, counter, relays: [relay_1, relay_2], payers: [payer_1, payer_2], mirror }
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

/// Up to 24 random candidates on `setup`'s chain. Signers are drawn from 2, 5 or all 30 accounts
/// (contention from one chain of conflicts to none), receivers likewise.
fn random_candidates(setup: &Setup, rng: &mut StdRng) -> Vec<UncheckedExtrinsic> {
	let chain = &setup.chain;
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

/// The number of random blocks: `PEX_ORACLE_BLOCKS`, else `default`.
fn blocks(default: u64) -> u64 {
	std::env::var("PEX_ORACLE_BLOCKS")
		.ok()
		.and_then(|n| n.parse().ok())
		.unwrap_or(default)
}

#[test]
fn random_blocks_of_contracts_deployments_lies_and_transfers_import_on_every_thread_count() {
	let setup = setup();
	let chain = &setup.chain;
	let options = |threads| BuildOptions { threads, lanes: TEST_LANES, ..Default::default() };
	let (mut rejected, mut included) = (0, 0);
	for seed in 0..blocks(60) {
		let mut rng = StdRng::seed_from_u64(seed);
		let candidates = random_candidates(&setup, &mut rng);
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
