//! What the builder's tests add to pex-test-chain's chain: pex's builder over it, and the check
//! of every built block against the import oracle. Each test crate includes this module.

#![allow(dead_code, reason = "each test module uses a different subset")]
#![allow(unreachable_pub, reason = "a module shared by test modules")]

use pallet_revive::H160;
use pex_block_builder::{BlockInputs, BuildOptions, BuiltBlock, ParallelBlockBuilder, WasmRuntime};
use pex_runtime::{opaque, Block, UncheckedExtrinsic};
pub use pex_test_chain::chain::*;
use pex_test_chain::contracts::{deploy, Contract};
use sp_core::H256;
use sp_runtime::{
	traits::{Block as BlockT, Header as _},
	OpaqueExtrinsic,
};
use std::sync::Arc;

/// Lanes [`BuildOnChain::build`] plans for: two, the thread count of the machines CI runs on.
pub const TEST_LANES: usize = 2;

/// pex's runtime over the process's executor ([`pex_test_chain::runtime::executor`]): a new
/// handle each time, but the executor's cache holds the one compilation of the blob that the
/// builders and the oracle share.
pub fn runtime() -> Arc<WasmRuntime> {
	let wasm = pex_test_chain::runtime::wasm().to_vec();
	Arc::new(WasmRuntime::with_executor(pex_test_chain::runtime::executor(), wasm))
}

/// pex's builder on a [`Chain`]. The builds panic if the block fails as a whole (test helpers).
pub trait BuildOnChain {
	/// The inputs of the next block, as pex's builder takes them.
	fn inputs(&self) -> BlockInputs<Block>;

	/// The inputs of the next block for a builder of opaque blocks (what a node builds).
	fn opaque_inputs(&self) -> BlockInputs<opaque::Block>;

	/// Build the next block from `candidates` with `threads` threads, planned for
	/// [`TEST_LANES`] lanes whatever the machine: the same block on every thread count and host.
	fn build(&self, threads: usize, candidates: Vec<UncheckedExtrinsic>) -> BuiltBlock<Block> {
		let options = BuildOptions { threads, lanes: TEST_LANES, ..Default::default() };
		self.build_with(options, candidates)
	}

	/// Build the next block from `candidates` with `options`.
	fn build_with(
		&self,
		options: BuildOptions,
		candidates: Vec<UncheckedExtrinsic>,
	) -> BuiltBlock<Block>;

	/// Build the next block from opaque `candidates` (as a node's pool holds them, so they may
	/// not decode) with `options`.
	fn build_opaque(
		&self,
		options: BuildOptions,
		candidates: Vec<OpaqueExtrinsic>,
	) -> BuiltBlock<opaque::Block>;

	/// Make `built` (already checked by the oracle) the new best block.
	fn push_block(&mut self, built: BuiltBlock<Block>);
}

impl BuildOnChain for Chain {
	fn inputs(&self) -> BlockInputs<Block> {
		let NextBlock { parent_hash, number, digest, inherent_data } = self.next_block();
		BlockInputs { parent_hash, number, digest, inherent_data }
	}

	fn opaque_inputs(&self) -> BlockInputs<opaque::Block> {
		let NextBlock { parent_hash, number, digest, inherent_data } = self.next_block();
		BlockInputs { parent_hash, number, digest, inherent_data }
	}

	fn build_with(
		&self,
		options: BuildOptions,
		candidates: Vec<UncheckedExtrinsic>,
	) -> BuiltBlock<Block> {
		let builder = ParallelBlockBuilder::with_runtime(runtime(), options).expect("a builder");
		builder.build(&self.state, self.inputs(), candidates).expect("the block builds")
	}

	fn build_opaque(
		&self,
		options: BuildOptions,
		candidates: Vec<OpaqueExtrinsic>,
	) -> BuiltBlock<opaque::Block> {
		let builder = ParallelBlockBuilder::with_runtime(runtime(), options).expect("a builder");
		builder
			.build(&self.state, self.opaque_inputs(), candidates)
			.expect("the block builds")
	}

	fn push_block(&mut self, built: BuiltBlock<Block>) {
		self.advance(built.block.header().hash(), built.storage_changes);
	}
}

/// Check `built` against the oracle: it imports on `chain`'s best state, reaching the state root
/// in its header, which is the root of its storage changes.
///
/// # Panics
///
/// If any of that does not hold (a test helper).
pub fn assert_imports<B: BlockT<Hash = H256>>(chain: &Chain, built: &BuiltBlock<B>) {
	let root = chain.import(&built.block).expect("a stock node imports the block");
	assert_eq!(built.block.header().state_root(), &root, "the header's root is the imported root");
	assert_eq!(built.storage_changes.transaction_storage_root, root, "changes give that root");
}

/// The contracts whose calls touch state their access sets do not declare: a Counter, two Relays
/// (`poke(counter)` bumps it), two Payers (`pay(to)` forwards value) and a Mirror (`copy(who)`
/// reads a balance).
pub struct LyingContracts {
	/// The Counter the Relays bump.
	pub counter: H160,
	/// The two Relays.
	pub relays: [H160; 2],
	/// The two Payers.
	pub payers: [H160; 2],
	/// The Mirror.
	pub mirror: H160,
}

/// Deploy [`LyingContracts`] from accounts `first_deployer` to `first_deployer + 5` (in the
/// order of its fields) in one block built on 1 thread, checked by the oracle, which becomes the
/// chain's best block.
///
/// # Panics
///
/// If a deployment is left out or the block does not import (a test helper).
pub fn deploy_lying_contracts(chain: &mut Chain, first_deployer: usize) -> LyingContracts {
	let kinds = [
		Contract::Counter,
		Contract::Relay,
		Contract::Relay,
		Contract::Payer,
		Contract::Payer,
		Contract::Mirror,
	];
	let (setup, addresses): (Vec<_>, Vec<_>) = (first_deployer..)
		.zip(kinds)
		.map(|(deployer, contract)| deploy(chain, deployer, contract))
		.unzip();
	let deployed = chain.build(1, setup);
	assert_imports(chain, &deployed);
	assert_eq!(deployed.stats.extrinsics, kinds.len(), "{:?}", deployed.left_out);
	chain.push_block(deployed);
	LyingContracts {
		counter: addresses[0],
		relays: [addresses[1], addresses[2]],
		payers: [addresses[3], addresses[4]],
		mirror: addresses[5],
	}
}
