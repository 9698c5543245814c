//! A chain to build on: the genesis state of the pex runtime with n funded signing accounts,
//! signed extrinsics, the inputs of its next block, and the oracle a stock node applies to every
//! block (`Core_execute_block` in WASM on the parent state).

use crate::{runtime, Error};
use codec::Encode;
use pex_runtime::{
	AccountId, Nonce, RuntimeCall, RuntimeGenesisConfig, SignedPayload, TxExtension,
	UncheckedExtrinsic, VERSION,
};
use rayon::prelude::*;
use sp_consensus_aura::{Slot, AURA_ENGINE_ID};
use sp_core::{crypto::Pair as _, sr25519, H256};
use sp_inherents::InherentData;
use sp_runtime::{
	generic, traits::BlakeTwo256, BuildStorage, Digest, DigestItem, MultiAddress, MultiSignature,
	OpaqueExtrinsic, StateVersion,
};
use sp_state_machine::{InMemoryBackend, StorageChanges};

/// What each account starts with: the runtime's presets' endowment.
pub use pex_runtime::genesis_config_presets::ENDOWMENT;

/// The `n`th deterministic key: the same on every run and machine.
pub fn key(n: u32) -> sr25519::Pair {
	let mut seed = [7u8; 32];
	seed[..4].copy_from_slice(&n.to_le_bytes());
	sr25519::Pair::from_seed(&seed)
}

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
			.insert(sp_core::storage::well_known_keys::CODE.to_vec(), runtime::wasm().to_vec());
		if let Some(millis) = block_compute_millis {
			let key = pex_runtime::configs::BlockComputeMillis::key().to_vec();
			storage.top.insert(key, millis.encode());
		}
		let state = InMemoryBackend::<BlakeTwo256>::from((storage, StateVersion::V1));
		let genesis_hash = H256::repeat_byte(69);
		Self { keys, state, genesis_hash, best: (genesis_hash, 0) }
	}

	/// Make the block with header hash `hash` and storage changes `changes` (already checked by
	/// the oracle) the new best block.
	pub fn advance(&mut self, hash: H256, changes: StorageChanges<BlakeTwo256>) {
		self.state
			.apply_transaction(changes.transaction_storage_root, changes.transaction);
		self.best = (hash, self.best.1 + 1);
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
	pub fn next_block(&self) -> NextBlock {
		let number = self.best.1 + 1;
		let slot = u64::from(number);
		let now = pex_runtime::configs::MILLISECS_PER_BLOCK * slot;
		let mut inherent_data = InherentData::new();
		inherent_data
			.put_data(sp_timestamp::INHERENT_IDENTIFIER, &now)
			.expect("a timestamp encodes");
		let aura = DigestItem::PreRuntime(AURA_ENGINE_ID, Slot::from(slot).encode());
		NextBlock {
			parent_hash: self.best.0,
			number,
			digest: Digest { logs: vec![aura] },
			inherent_data,
		}
	}

	/// The oracle: what a stock node does to import `block` on the best state
	/// ([`runtime::execute_block`]). Returns the state root it reached.
	pub fn import(&self, block: &impl Encode) -> Result<H256, Error> {
		runtime::execute_block(&self.state, block)
	}
}

/// What an author puts into the next block of a [`Chain`] besides extrinsics: the fields of the
/// block builders' inputs (sc-block-builder's and pex-block-builder's alike).
pub struct NextBlock {
	/// The best block's hash.
	pub parent_hash: H256,
	/// The next block's number: the best block's plus one.
	pub number: u32,
	/// The pre-runtime digest: the next block's Aura slot.
	pub digest: Digest,
	/// The timestamp of the slot's start.
	pub inherent_data: InherentData,
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
