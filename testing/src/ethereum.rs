//! Ethereum transactions as a wallet makes them: an alloy key signs an EIP-1559 transaction
//! (what MetaMask or Foundry send), and the chain receives it as the bare extrinsic
//! `Revive::eth_transact(payload)` (what pallet-revive-eth-rpc submits).

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Bytes, TxKind};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use pallet_revive::{evm::GenericTransaction, AddressMapper, H160, U256};
use pex_runtime::{AccountId, Runtime, RuntimeCall, UncheckedExtrinsic};
use sp_runtime::generic;

/// An Ethereum account with its secp256k1 key.
pub struct Wallet(PrivateKeySigner);

/// What a wallet signs: an EIP-1559 transaction without value or access list.
#[derive(Clone, Debug)]
pub struct Transaction {
	/// The EIP-155 chain id it is signed for.
	pub chain_id: u64,
	/// The signer's nonce (its account's nonce on the chain).
	pub nonce: u64,
	/// The callee; `None` deploys `input` (init code and constructor arguments).
	pub to: Option<H160>,
	/// Call data or init code.
	pub input: Vec<u8>,
	/// The gas limit (what `eth_estimateGas` answered).
	pub gas: u64,
	/// The most it pays per gas (`max_fee_per_gas`), in wei; it tips nothing.
	pub gas_price: u128,
}

impl Wallet {
	/// The first account of Hardhat's and Anvil's test mnemonic (a well-known key: for tests
	/// only).
	pub fn dev() -> Self {
		Self(
			"ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
				.parse()
				.expect("a valid secp256k1 key; qed"),
		)
	}

	/// Its Ethereum address.
	pub fn address(&self) -> H160 {
		H160::from_slice(self.0.address().as_slice())
	}

	/// The account it pays from: its address followed by twelve `0xEE` bytes (pallet-revive's
	/// fallback account of an unmapped address).
	pub fn account(&self) -> AccountId {
		<Runtime as pallet_revive::Config>::AddressMapper::to_fallback_account_id(&self.address())
	}

	/// `tx` signed: the EIP-2718 bytes a wallet sends (`eth_sendRawTransaction`).
	pub fn sign(&self, tx: &Transaction) -> Vec<u8> {
		let unsigned = TxEip1559 {
			chain_id: tx.chain_id,
			nonce: tx.nonce,
			gas_limit: tx.gas,
			max_fee_per_gas: tx.gas_price,
			max_priority_fee_per_gas: 0,
			to: tx.to.map_or(TxKind::Create, |to| TxKind::Call(to.0.into())),
			value: Default::default(),
			access_list: Default::default(),
			input: Bytes::from(tx.input.clone()),
		};
		let signature = self
			.0
			.sign_hash_sync(&unsigned.signature_hash())
			.expect("a local key signs; qed");
		TxEnvelope::from(unsigned.into_signed(signature)).encoded_2718()
	}

	/// `tx` signed and wrapped in the extrinsic `Revive::eth_transact`.
	pub fn extrinsic(&self, tx: &Transaction) -> UncheckedExtrinsic {
		eth_transact(self.sign(tx))
	}

	/// The dry-run request of `to`/`input` from this wallet (what `eth_estimateGas` takes).
	pub fn dry_run_request(
		&self,
		chain_id: u64,
		to: Option<H160>,
		input: &[u8],
		gas_price: U256,
	) -> GenericTransaction {
		GenericTransaction {
			from: Some(self.address()),
			to,
			input: pallet_revive::evm::Bytes(input.to_vec()).into(),
			gas_price: Some(gas_price),
			chain_id: Some(chain_id.into()),
			..Default::default()
		}
	}
}

/// The signed Ethereum transaction `payload` as the bare extrinsic `Revive::eth_transact`.
pub fn eth_transact(payload: Vec<u8>) -> UncheckedExtrinsic {
	generic::UncheckedExtrinsic::new_bare(RuntimeCall::Revive(pallet_revive::Call::eth_transact {
		payload,
	}))
	.into()
}

/// The 4-byte selector of `signature` (e.g. `"bump()"`).
pub fn selector(signature: &str) -> Vec<u8> {
	sp_io::hashing::keccak_256(signature.as_bytes())[..4].to_vec()
}
