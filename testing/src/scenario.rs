//! The scenarios: workloads of real signed extrinsics on a real chain, each a pure function of
//! its parameters and a seed.

use crate::{
	chain::Chain,
	contracts::{self, Contract},
	stock::StockClient,
	Error,
};
use pex_runtime::{Nonce, UncheckedExtrinsic, UNIT};
use rand::{rngs::StdRng, Rng, SeedableRng};
use sp_runtime::traits::Block as _;
use std::fmt;

/// The compute time the harness's chains allow a block (`BlockComputeMillis`): 60 s, the most
/// the runtime accepts, so that the block size decides what is in a block, not the 2 s default
/// weight limit. A transfer is weighed at about 760 µs (its benchmark with RocksDB's read and
/// write weights, plus the base extrinsic weight), so 2 s hold about 1,970 transfers and 20 s
/// about 19,700. Every contestant builds under the same limit.
pub const BENCH_BLOCK_COMPUTE_MILLIS: u64 = 60_000;

/// A workload. Invariant: the same scenario and seed give the same extrinsics: calls, signers,
/// nonces and extensions (only the sr25519 signatures differ, as sr25519 signing is randomized).
#[derive(Clone, PartialEq, Debug)]
pub enum Scenario {
	/// `txs` transfers, senders and receivers uniform among `accounts` accounts (the Block-STM
	/// grid): fewer accounts, more conflicts.
	Transfers {
		/// Accounts that send and receive.
		accounts: u32,
		/// Transfers.
		txs: u32,
	},
	/// `txs` transfers, senders and receivers drawn from a Zipf law with `exponent` over
	/// `accounts` accounts: a few hot accounts.
	Zipf {
		/// The law's exponent `s`: account k is drawn with weight 1 / k^s.
		exponent: f64,
		/// Accounts.
		accounts: u32,
		/// Transfers.
		txs: u32,
	},
	/// `txs` transfers from distinct senders that all pay one account: one group, the worst case.
	AllConflict {
		/// Transfers.
		txs: u32,
	},
	/// `deploys` batch deployments of the Solidity suite (Token, Factory, Router), each from its
	/// own account, spread evenly among `transfers` uniform transfers.
	Deploy {
		/// Batch deployments.
		deploys: u32,
		/// Transfers among other accounts.
		transfers: u32,
	},
	/// `calls` extrinsics whose real accesses exceed their access sets, a quarter of each kind:
	/// Relay calls bumping one shared Counter, Payer calls paying one shared account, Mirror
	/// calls reading the balance of an account a transfer pays, and those transfers. Forces
	/// validation failures and re-execution.
	Undeclared {
		/// Extrinsics, rounded down to a multiple of 4.
		calls: u32,
	},
	/// `doomed` transfers the runtime refuses (each a nonce from the future, from its own
	/// account) ahead of `valid` transfers between pairs of other accounts, in blocks of
	/// `block_ms` milliseconds of compute: more candidates than a block holds, the doomed first.
	/// Measures what refill rounds cost (a builder that reserves capacity for doomed extrinsics
	/// and never gives it back builds an empty block here).
	Doomed {
		/// Transfers with a nonce from the future.
		doomed: u32,
		/// Valid transfers after them.
		valid: u32,
		/// The block's compute time (`BlockComputeMillis`), within the runtime's range.
		block_ms: u64,
	},
}

/// Relays and Payers the `undeclared` scenario deploys (calls through one contract conflict by
/// their declarations; through different ones only by what they really touch).
const UNDECLARED_CONTRACTS: u32 = 8;

impl Scenario {
	/// The subcommand name.
	pub fn kind(&self) -> &'static str {
		match self {
			Scenario::Transfers { .. } => "transfers",
			Scenario::Zipf { .. } => "zipf",
			Scenario::AllConflict { .. } => "all-conflict",
			Scenario::Deploy { .. } => "deploy",
			Scenario::Undeclared { .. } => "undeclared",
			Scenario::Doomed { .. } => "doomed",
		}
	}

	/// The compute time its chain allows a block (`BlockComputeMillis`).
	pub fn block_compute_millis(&self) -> u64 {
		match *self {
			Scenario::Doomed { block_ms, .. } => block_ms,
			_ => BENCH_BLOCK_COMPUTE_MILLIS,
		}
	}

	/// Accounts the chain needs.
	pub fn accounts(&self) -> u32 {
		match *self {
			Scenario::Transfers { accounts, .. } | Scenario::Zipf { accounts, .. } => accounts,
			Scenario::AllConflict { txs } => txs.saturating_add(1),
			Scenario::Deploy { deploys, transfers } =>
				deploys.saturating_add(transfers.max(1).saturating_mul(2)),
			Scenario::Undeclared { calls } =>
				(calls / 4).saturating_mul(5).saturating_add(Undeclared::FIRST_CALLER as u32),
			Scenario::Doomed { doomed, valid, .. } =>
				doomed.saturating_add(valid.saturating_mul(2)),
		}
	}

	/// Extrinsics the scenario offers the builders.
	pub fn candidates(&self) -> u32 {
		match *self {
			Scenario::Transfers { txs, .. } |
			Scenario::Zipf { txs, .. } |
			Scenario::AllConflict { txs } => txs,
			Scenario::Deploy { deploys, transfers } => deploys.saturating_add(transfers),
			Scenario::Undeclared { calls } => calls / 4 * 4,
			Scenario::Doomed { doomed, valid, .. } => doomed.saturating_add(valid),
		}
	}

	/// Refuse parameters no chain can run.
	pub fn validate(&self) -> Result<(), Error> {
		let invalid = |why: &str| Err(Error::Scenario(format!("{self}: {why}")));
		match *self {
			Scenario::Transfers { accounts, .. } | Scenario::Zipf { accounts, .. }
				if accounts < 2 =>
				invalid("a transfer needs two accounts"),
			Scenario::Zipf { exponent, .. } if !(exponent.is_finite() && exponent >= 0.0) =>
				invalid("the exponent must be a finite number, at least 0"),
			Scenario::Undeclared { calls } if calls < 4 => invalid("at least 4 calls"),
			Scenario::Doomed { block_ms, .. }
				if !pex_runtime::configs::BLOCK_COMPUTE_MILLIS_RANGE.contains(&block_ms) =>
				invalid("the block's compute time must be within 100..=60000 ms"),
			_ if self.candidates() == 0 => invalid("no extrinsics"),
			_ if self.accounts() > 1_000_000 => invalid("more than 1,000,000 accounts"),
			_ => Ok(()),
		}
	}

	/// The chain the scenario runs on: genesis with [`Scenario::accounts`] accounts and
	/// [`BENCH_BLOCK_COMPUTE_MILLIS`], plus any setup blocks (the `undeclared` contracts).
	/// The setup block is built by a stock node (sc-block-builder) and checked by its import.
	pub fn chain(&self) -> Result<Chain, Error> {
		self.validate()?;
		let mut chain =
			Chain::with_block_compute(self.accounts(), Some(self.block_compute_millis()));
		if let Scenario::Undeclared { .. } = self {
			let setup = Undeclared::deploy_extrinsics(&chain);
			let client = StockClient::new(&chain);
			let built = client.build(chain.next_block(), &setup)?;
			if built.extrinsics != setup.len() {
				return Err(Error::Setup(format!(
					"{} contracts to deploy, {} deployed",
					setup.len(),
					built.extrinsics
				)));
			}
			client.import(&built.block)?;
			chain.advance(built.block.header().hash(), built.storage_changes);
		}
		Ok(chain)
	}

	/// The candidates, in pool order, on `chain` (made by [`Scenario::chain`], or a bigger
	/// chain for the transfer scenarios).
	pub fn extrinsics(&self, chain: &Chain, seed: u64) -> Result<Vec<UncheckedExtrinsic>, Error> {
		self.validate()?;
		if chain.keys.len() < self.accounts() as usize {
			return Err(Error::Scenario(format!(
				"{self}: needs {} accounts, the chain has {}",
				self.accounts(),
				chain.keys.len()
			)));
		}
		let mut rng = StdRng::seed_from_u64(seed);
		Ok(match *self {
			Scenario::Transfers { accounts, txs } => {
				let mut draw = |rng: &mut StdRng| rng.gen_range(0..accounts as usize);
				random_transfers(chain, accounts as usize, txs, &mut rng, &mut draw)
			},
			Scenario::Zipf { exponent, accounts, txs } => {
				let cumulative = zipf_cumulative(accounts as usize, exponent);
				let mut draw = |rng: &mut StdRng| zipf(rng, &cumulative);
				random_transfers(chain, accounts as usize, txs, &mut rng, &mut draw)
			},
			Scenario::AllConflict { txs } => {
				let plan: Vec<_> = (1..=txs as usize).map(|from| (from, 0, 0, UNIT)).collect();
				chain.transfers(&plan)
			},
			Scenario::Deploy { deploys, transfers } => {
				// Accounts 0..deploys deploy; the rest transfer among themselves.
				let first = deploys as usize;
				let others = chain.keys.len().min(self.accounts() as usize) - first;
				let mut draw = |rng: &mut StdRng| first + rng.gen_range(0..others);
				let transfers = random_transfers(chain, 0, transfers, &mut rng, &mut draw);
				let stride = (transfers.len() / first.max(1)).max(1);
				let mut deployments =
					(0..first).map(|deployer| chain.signed(deployer, 0, contracts::suite_batch()));
				let mut extrinsics = Vec::with_capacity(transfers.len() + first);
				for (i, transfer) in transfers.into_iter().enumerate() {
					if i % stride == 0 {
						extrinsics.extend(deployments.next());
					}
					extrinsics.push(transfer);
				}
				extrinsics.extend(deployments);
				extrinsics
			},
			Scenario::Undeclared { calls } => Undeclared::calls(chain, calls / 4),
			Scenario::Doomed { doomed, valid, .. } => {
				// Account d sends with nonce 1 while its nonce is 0; valid sender v pays its own
				// receiver, so valid transfers share no account.
				let (doomed, valid) = (doomed as usize, valid as usize);
				let plan: Vec<_> = (0..doomed)
					.map(|d| (d, 1, (d + 1) % chain.keys.len(), UNIT))
					.chain((0..valid).map(|v| (doomed + 2 * v, 0, doomed + 2 * v + 1, UNIT)))
					.collect();
				chain.transfers(&plan)
			},
		})
	}
}

impl fmt::Display for Scenario {
	fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
		match self {
			Scenario::Transfers { accounts, txs } =>
				write!(f, "transfers --accounts {accounts} --txs {txs}"),
			Scenario::Zipf { exponent, accounts, txs } =>
				write!(f, "zipf --exponent {exponent} --accounts {accounts} --txs {txs}"),
			Scenario::AllConflict { txs } => write!(f, "all-conflict --txs {txs}"),
			Scenario::Deploy { deploys, transfers } =>
				write!(f, "deploy --deploys {deploys} --transfers {transfers}"),
			Scenario::Undeclared { calls } => write!(f, "undeclared --calls {calls}"),
			Scenario::Doomed { doomed, valid, block_ms } =>
				write!(f, "doomed --doomed {doomed} --valid {valid} --block-ms {block_ms}"),
		}
	}
}

/// `count` transfers: sender and receiver each drawn by `draw` (a receiver equal to its sender
/// is moved to the next account), nonces in order per sender, values varied so no two are alike.
/// `accounts` is the range `draw` covers, 0 if it draws elsewhere (then a clash is redrawn).
fn random_transfers(
	chain: &Chain,
	accounts: usize,
	count: u32,
	rng: &mut StdRng,
	draw: &mut dyn FnMut(&mut StdRng) -> usize,
) -> Vec<UncheckedExtrinsic> {
	let mut nonces = vec![0 as Nonce; chain.keys.len()];
	let plan: Vec<_> = (0..count)
		.map(|_| {
			let from = draw(rng);
			let mut to = draw(rng);
			while to == from {
				to = if accounts > 1 { (to + 1) % accounts } else { draw(rng) };
			}
			let nonce = nonces[from];
			nonces[from] += 1;
			(from, nonce, to, UNIT + rng.gen_range(0..1_000))
		})
		.collect();
	chain.transfers(&plan)
}

/// The cumulative weights of a Zipf law over `n` items: item k (from 0) has weight 1/(k+1)^s.
fn zipf_cumulative(n: usize, exponent: f64) -> Vec<f64> {
	(1..=n)
		.scan(0.0, |sum, k| {
			*sum += 1.0 / (k as f64).powf(exponent);
			Some(*sum)
		})
		.collect()
}

/// An index drawn from the law whose cumulative weights are `cumulative` (not empty).
fn zipf(rng: &mut StdRng, cumulative: &[f64]) -> usize {
	let total = cumulative.last().copied().unwrap_or(0.0);
	let x = rng.gen_range(0.0..total);
	cumulative.partition_point(|&c| c <= x).min(cumulative.len() - 1)
}

/// The accounts of the `undeclared` scenario: deployers first, then the callers.
struct Undeclared;

impl Undeclared {
	/// Account that deploys the Counter; then the Relays, Payers and the Mirror.
	const COUNTER: usize = 0;
	fn relay(i: u32) -> usize {
		1 + i as usize
	}
	fn payer(i: u32) -> usize {
		1 + (UNDECLARED_CONTRACTS + i) as usize
	}
	const MIRROR: usize = 1 + 2 * UNDECLARED_CONTRACTS as usize;
	/// The account every Payer pays.
	const PAYEE: usize = Self::MIRROR + 1;
	/// The first account that calls or transfers.
	const FIRST_CALLER: usize = Self::PAYEE + 1;

	fn deploy_extrinsics(chain: &Chain) -> Vec<UncheckedExtrinsic> {
		let mut setup = vec![contracts::deploy(chain, Self::COUNTER, Contract::Counter).0];
		for i in 0..UNDECLARED_CONTRACTS {
			setup.push(contracts::deploy(chain, Self::relay(i), Contract::Relay).0);
			setup.push(contracts::deploy(chain, Self::payer(i), Contract::Payer).0);
		}
		setup.push(contracts::deploy(chain, Self::MIRROR, Contract::Mirror).0);
		setup
	}

	/// The address of the contract `deployer` deployed (with [`contracts::deploy`]).
	fn contract(chain: &Chain, deployer: usize, contract: Contract) -> pallet_revive::H160 {
		let code = contract.bytecode();
		pallet_revive::create2(&contracts::address(chain, deployer), &code, &[], &[1; 32])
	}

	/// `quarter` of each: relay pokes, payments, transfers, and mirror reads of the accounts
	/// those transfers pay, interleaved; every extrinsic from its own account.
	fn calls(chain: &Chain, quarter: u32) -> Vec<UncheckedExtrinsic> {
		let counter = Self::contract(chain, Self::COUNTER, Contract::Counter);
		let mirror = Self::contract(chain, Self::MIRROR, Contract::Mirror);
		let payee = contracts::address(chain, Self::PAYEE);
		let q = quarter as usize;
		let caller = |kind: usize, i: usize| Self::FIRST_CALLER + kind * q + i;
		let receiver = |i: usize| Self::FIRST_CALLER + 4 * q + i;
		let per_contract = |i: usize| (i as u32) % UNDECLARED_CONTRACTS;
		(0..q)
			.flat_map(|i| [(0, i), (1, i), (2, i), (3, i)])
			.collect::<Vec<_>>()
			.into_iter()
			.map(|(kind, i)| match kind {
				0 => {
					let relay =
						Self::contract(chain, Self::relay(per_contract(i)), Contract::Relay);
					contracts::call(chain, caller(0, i), relay, "poke(address)", counter, 0)
				},
				1 => {
					let payer =
						Self::contract(chain, Self::payer(per_contract(i)), Contract::Payer);
					contracts::call(chain, caller(1, i), payer, "pay(address)", payee, UNIT)
				},
				2 => chain.transfer(caller(2, i), 0, receiver(i), UNIT),
				_ => {
					let who = contracts::address(chain, receiver(i));
					contracts::call(chain, caller(3, i), mirror, "copy(address)", who, 0)
				},
			})
			.collect()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn parameters_no_chain_can_run_are_refused() {
		assert!(Scenario::Transfers { accounts: 1, txs: 10 }.validate().is_err());
		assert!(Scenario::Transfers { accounts: 2, txs: 0 }.validate().is_err());
		assert!(Scenario::Zipf { exponent: f64::NAN, accounts: 10, txs: 10 }.validate().is_err());
		assert!(Scenario::Zipf { exponent: -1.0, accounts: 10, txs: 10 }.validate().is_err());
		assert!(Scenario::Undeclared { calls: 3 }.validate().is_err());
		assert!(Scenario::Transfers { accounts: 2_000_000, txs: 1 }.validate().is_err());
		assert!(Scenario::Zipf { exponent: 1.0, accounts: 10, txs: 10 }.validate().is_ok());
		assert!(Scenario::Doomed { doomed: 1, valid: 1, block_ms: 99 }.validate().is_err());
		assert!(Scenario::Doomed { doomed: 0, valid: 0, block_ms: 100 }.validate().is_err());
		assert!(Scenario::Doomed { doomed: 0, valid: 1, block_ms: 100 }.validate().is_ok());
	}

	#[test]
	fn a_zipf_law_favours_the_first_accounts_by_its_exponent() {
		let cumulative = zipf_cumulative(100, 1.0);
		let mut rng = StdRng::seed_from_u64(3);
		let mut counts = vec![0u32; 100];
		for _ in 0..100_000 {
			counts[zipf(&mut rng, &cumulative)] += 1;
		}
		// Weights 1, 1/2, 1/3: account 0 drawn about twice as often as 1, three times as 2.
		let ratio = |a: usize, b: usize| counts[a] as f64 / counts[b] as f64;
		assert!((ratio(0, 1) - 2.0).abs() < 0.15, "{}", ratio(0, 1));
		assert!((ratio(0, 2) - 3.0).abs() < 0.25, "{}", ratio(0, 2));
		// Exponent 0 is uniform.
		let flat = zipf_cumulative(4, 0.0);
		assert_eq!(flat, vec![1.0, 2.0, 3.0, 4.0]);
	}
}
