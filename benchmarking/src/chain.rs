//! A chain to build on: the genesis state of the pex runtime with n funded signing accounts,
//! signed transfers, and the oracle a stock node applies to every block (`Core_execute_block` in
//! WASM on the parent state). Shared by the harness and the block builder's oracle tests.

use codec::Encode;
use pex_block_builder::{BlockInputs, BuildOptions, BuiltBlock, ParallelBlockBuilder, WasmRuntime};
use pex_runtime::{
	opaque, AccountId, Block, Nonce, RuntimeCall, RuntimeGenesisConfig, SignedPayload, TxExtension,
	UncheckedExtrinsic, VERSION,
};
use rayon::prelude::*;
use sp_consensus_aura::{Slot, AURA_ENGINE_ID};
use sp_core::{crypto::Pair as _, sr25519, traits::CallContext, H256};
use sp_runtime::{
	generic,
	traits::{BlakeTwo256, Block as BlockT},
	BuildStorage, Digest, DigestItem, MultiAddress, MultiSignature, OpaqueExtrinsic, StateVersion,
};
use sp_state_machine::{InMemoryBackend, OverlayedChanges, StateMachine};
use std::sync::{Arc, OnceLock};

/// What each account starts with: the runtime's presets' endowment.
pub use pex_runtime::genesis_config_presets::ENDOWMENT;

/// The runtime's WASM blob.
///
/// # Panics
///
/// If it was not built (`SKIP_WASM_BUILD` set); [`crate::BenchError::NoWasm`] is the error the
/// harness reports for that before it gets here.
pub fn wasm() -> &'static [u8] {
	pex_runtime::WASM_BINARY.expect("the WASM blob is built (unset SKIP_WASM_BUILD)")
}

/// One compiled runtime for every builder and import of the process (compiling the blob takes
/// seconds); its instance pool serves up to 16 threads at once.
pub fn runtime() -> Arc<WasmRuntime> {
	static RUNTIME: OnceLock<Arc<WasmRuntime>> = OnceLock::new();
	RUNTIME.get_or_init(|| Arc::new(WasmRuntime::new(wasm().to_vec(), 16))).clone()
}

/// The `n`th deterministic key: the same on every run and machine.
pub fn key(n: u32) -> sr25519::Pair {
	let mut seed = [7u8; 32];
	seed[..4].copy_from_slice(&n.to_le_bytes());
	sr25519::Pair::from_seed(&seed)
}

/// Lanes [`Chain::build`] plans for: two, the thread count of the machines CI runs on.
pub const TEST_LANES: usize = 2;

/// A chain with funded signing accounts (deterministic keys), at its best block.
/// Invariant: `state` is the state after block `best`, which is on top of genesis.
pub struct Chain {
	/// The accounts' keys; account `n` is `key(n)`, account 0 is the sudo key.
	pub keys: Vec<sr25519::Pair>,
	/// The state of the best block.
	pub state: InMemoryBackend<BlakeTwo256>,
	/// frame-system's genesis block hash (`BlockHash(0)`): 69 in every byte.
	pub genesis_hash: H256,
	/// The best block's hash and number.
	pub best: (H256, u32),
}

impl Chain {
	/// Genesis with `accounts` funded accounts and the runtime's default block limits.
	pub fn new(accounts: u32) -> Self {
		Self::with_block_compute(accounts, None)
	}

	/// Genesis with `accounts` funded accounts and, if given, `BlockComputeMillis` (the compute
	/// time a block may use) set to `block_compute_millis`.
	pub fn with_block_compute(accounts: u32, block_compute_millis: Option<u64>) -> Self {
		let keys: Vec<sr25519::Pair> = (0..accounts).into_par_iter().map(key).collect();
		let ids: Vec<AccountId> = keys.iter().map(|k| AccountId::from(k.public())).collect();
		let mut config = RuntimeGenesisConfig::default();
		config.balances.balances = ids.iter().map(|id| (id.clone(), ENDOWMENT)).collect();
		config.sudo.key = ids.first().cloned();
		config.revive.mapped_accounts = ids;
		let mut storage = config.build_storage().expect("the runtime's genesis builds");
		storage
			.top
			.insert(sp_core::storage::well_known_keys::CODE.to_vec(), wasm().to_vec());
		if let Some(millis) = block_compute_millis {
			let key = pex_runtime::configs::BlockComputeMillis::key().to_vec();
			storage.top.insert(key, millis.encode());
		}
		let state = InMemoryBackend::<BlakeTwo256>::from((storage, StateVersion::V1));
		let genesis_hash = H256::repeat_byte(69);
		Self { keys, state, genesis_hash, best: (genesis_hash, 0) }
	}

	/// Import `built` (already checked by the oracle) as the new best block.
	pub fn advance(&mut self, built: BuiltBlock<Block>) {
		let root = built.storage_changes.transaction_storage_root;
		self.state.apply_transaction(root, built.storage_changes.transaction);
		self.best = (built.block.header().hash(), self.best.1 + 1);
	}

	/// The account id of account `n`.
	pub fn account(&self, n: usize) -> AccountId {
		AccountId::from(self.keys[n].public())
	}

	/// `call` signed by account `signer` with `nonce`.
	pub fn signed(&self, signer: usize, nonce: Nonce, call: RuntimeCall) -> UncheckedExtrinsic {
		let extensions: TxExtension = pex_runtime::tx_extension(nonce, 0);
		let implicit = (
			(),
			VERSION.spec_version,
			VERSION.transaction_version,
			self.genesis_hash,
			self.genesis_hash,
			(),
			(),
			(),
			(),
			(),
		);
		let payload = SignedPayload::from_raw(call.clone(), extensions.clone(), implicit);
		let signature = payload.using_encoded(|bytes| self.keys[signer].sign(bytes));
		generic::UncheckedExtrinsic::new_signed(
			call,
			MultiAddress::Id(self.account(signer)),
			MultiSignature::Sr25519(signature),
			extensions,
		)
		.into()
	}

	/// A `transfer_keep_alive` of `value` from account `from` to account `to`.
	pub fn transfer(
		&self,
		from: usize,
		nonce: Nonce,
		to: usize,
		value: u128,
	) -> UncheckedExtrinsic {
		self.signed(from, nonce, transfer_call(self.account(to), value))
	}

	/// Many transfers `(from, nonce, to, value)`, signed on every core, in the given order.
	pub fn transfers(&self, transfers: &[(usize, Nonce, usize, u128)]) -> Vec<UncheckedExtrinsic> {
		transfers
			.par_iter()
			.map(|&(from, nonce, to, value)| self.transfer(from, nonce, to, value))
			.collect()
	}

	/// Inputs of the next block: block `n` is authored in Aura slot `n` (its pre-runtime
	/// digest) at the slot's start, `n` slots of six seconds after time zero, as an Aura node
	/// would (pallet-aura checks that the timestamp falls into the digest's slot).
	pub fn next_block(&self) -> BlockInputs<Block> {
		let number = self.best.1 + 1;
		let slot = u64::from(number);
		let now = pex_runtime::configs::MILLISECS_PER_BLOCK * slot;
		let mut inherent_data = sp_inherents::InherentData::new();
		inherent_data
			.put_data(sp_timestamp::INHERENT_IDENTIFIER, &now)
			.expect("a timestamp encodes");
		let aura = DigestItem::PreRuntime(AURA_ENGINE_ID, Slot::from(slot).encode());
		BlockInputs {
			parent_hash: self.best.0,
			number,
			digest: Digest { logs: vec![aura] },
			inherent_data,
		}
	}

	/// Build the next block from `candidates` with `threads` threads, planned for
	/// [`TEST_LANES`] lanes whatever the machine: the same block on every thread count and host.
	///
	/// # Panics
	///
	/// If the build fails as a whole (a test helper).
	pub fn build(&self, threads: usize, candidates: Vec<UncheckedExtrinsic>) -> BuiltBlock<Block> {
		let options = BuildOptions { threads, lanes: TEST_LANES, ..Default::default() };
		self.build_with(options, candidates)
	}

	/// Build the next block from `candidates` with `options`.
	///
	/// # Panics
	///
	/// If the build fails as a whole (a test helper).
	pub fn build_with(
		&self,
		options: BuildOptions,
		candidates: Vec<UncheckedExtrinsic>,
	) -> BuiltBlock<Block> {
		let builder = ParallelBlockBuilder::with_runtime(runtime(), options).expect("a builder");
		builder
			.build(&self.state, self.next_block(), candidates)
			.expect("the block builds")
	}

	/// Inputs of the next block for a builder of opaque blocks (what a node builds).
	pub fn next_opaque_block(&self) -> BlockInputs<opaque::Block> {
		let BlockInputs { parent_hash, number, digest, inherent_data } = self.next_block();
		BlockInputs { parent_hash, number, digest, inherent_data }
	}

	/// Build the next block from opaque `candidates` (as a node's pool holds them, so they
	/// may not decode) with `options`.
	///
	/// # Panics
	///
	/// If the build fails as a whole (a test helper).
	pub fn build_opaque(
		&self,
		options: BuildOptions,
		candidates: Vec<OpaqueExtrinsic>,
	) -> BuiltBlock<opaque::Block> {
		let builder = ParallelBlockBuilder::with_runtime(runtime(), options).expect("a builder");
		builder
			.build(&self.state, self.next_opaque_block(), candidates)
			.expect("the block builds")
	}

	/// The oracle: a stock node executes `block` with `Core_execute_block` on the parent state
	/// (which checks the state root and extrinsics root in the runtime); returns the state root
	/// it reached.
	///
	/// # Panics
	///
	/// If the block does not import (a test helper; the harness uses
	/// [`crate::stock::StockClient::import`]).
	pub fn import(&self, block: &impl Encode) -> H256 {
		execute_block(&runtime(), &self.state, block).expect("a stock node imports the block")
	}
}

/// What a stock node does to import `block`: `Core_execute_block` in WASM on the parent `state`
/// (the runtime checks the state root and the extrinsics root), then the storage changes.
/// Returns the state root they give.
pub fn execute_block<S: sp_state_machine::Backend<BlakeTwo256>>(
	runtime: &WasmRuntime,
	state: &S,
	block: &impl Encode,
) -> Result<H256, String> {
	let code = runtime.code();
	let mut overlay = OverlayedChanges::<BlakeTwo256>::default();
	let mut extensions = runtime.extensions();
	StateMachine::new(
		state,
		&mut overlay,
		runtime.executor(),
		"Core_execute_block",
		&block.encode(),
		&mut extensions,
		&code,
		CallContext::Onchain { import: true },
	)
	.execute()
	.map_err(|error| error.to_string())?;
	let changes = overlay
		.drain_storage_changes(state, StateVersion::V1)
		.map_err(|error| error.to_string())?;
	Ok(changes.transaction_storage_root)
}

/// The call of a `transfer_keep_alive` of `value` to `dest`.
pub fn transfer_call(dest: AccountId, value: u128) -> RuntimeCall {
	RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
		dest: MultiAddress::Id(dest),
		value,
	})
}

/// `xt` as a node's pool holds it: its encoding, opaque.
pub fn opaque(xt: &UncheckedExtrinsic) -> OpaqueExtrinsic {
	OpaqueExtrinsic::try_from_encoded_extrinsic(&xt.encode())
		.expect("an encoded extrinsic is a length-prefixed blob")
}

/// `xt` with its call made undecodable: the call's pallet index, the first byte of the call at
/// the end of the extrinsic, set to 255, which no pallet of the runtime has. Signed as it was,
/// it is what a broken or hostile client could put into a pool of opaque extrinsics.
pub fn undecodable(xt: &UncheckedExtrinsic) -> OpaqueExtrinsic {
	let call = xt.0.function.encoded_size();
	let mut body = opaque(xt).inner().to_vec();
	let at = body.len() - call;
	body[at] = 255;
	OpaqueExtrinsic::from_blob(body)
}

/// Check `built` against the oracle: it imports on `chain`'s best state, reaching the state root
/// in its header, which is the root of its storage changes.
///
/// # Panics
///
/// If any of that does not hold (a test helper).
pub fn assert_imports<B: BlockT<Hash = H256>>(chain: &Chain, built: &BuiltBlock<B>) {
	use sp_runtime::traits::Header as _;
	let root = chain.import(&built.block);
	assert_eq!(built.block.header().state_root(), &root, "the header's root is the imported root");
	assert_eq!(built.storage_changes.transaction_storage_root, root, "changes give that root");
}
