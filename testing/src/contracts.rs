//! Contracts of the Solidity suite (`runtime/fixtures/solidity`, compiled by solc and committed):
//! extrinsics that deploy them, one by one through pallet-revive or as a whole suite through
//! pallet-batch-deploy, and extrinsics that call them.

use crate::chain::Chain;
use pallet_batch_deploy::{placeholder::placeholder, ContractSpecOf, DependencyRef, DeployMode};
use pallet_revive::{AddressMapper, H160};
use pex_runtime::{Runtime, RuntimeCall, UncheckedExtrinsic, UNIT};
use sp_runtime::{BoundedVec, Weight};

/// A contract of the suite.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Contract {
	/// An ERC-20-like token.
	Token,
	/// Takes the Token's address in its constructor.
	Factory,
	/// Takes the Token's and the Factory's, and checks that they belong together.
	Router,
	/// A counter with `bump()`.
	Counter,
	/// `poke(counter)` bumps another contract's counter: state its caller does not declare.
	Relay,
	/// `pay(to)` forwards the value it is sent to `to`: a balance its caller does not declare.
	Payer,
	/// `copy(who)` stores `who`'s balance: a read its caller does not declare.
	Mirror,
}

impl Contract {
	/// The creation bytecode (the `.bin` artifact, hex, compiled into this crate).
	pub fn bytecode(self) -> Vec<u8> {
		let hex = match self {
			Contract::Token => include_str!("../../runtime/fixtures/solidity/Token.bin"),
			Contract::Factory => include_str!("../../runtime/fixtures/solidity/Factory.bin"),
			Contract::Router => include_str!("../../runtime/fixtures/solidity/Router.bin"),
			Contract::Counter => include_str!("../../runtime/fixtures/solidity/Counter.bin"),
			Contract::Relay => include_str!("../../runtime/fixtures/solidity/Relay.bin"),
			Contract::Payer => include_str!("../../runtime/fixtures/solidity/Payer.bin"),
			Contract::Mirror => include_str!("../../runtime/fixtures/solidity/Mirror.bin"),
		};
		let hex = hex.trim().as_bytes();
		let nibble = |c: u8| match c {
			b'0'..=b'9' => c - b'0',
			b'a'..=b'f' => c - b'a' + 10,
			_ => unreachable!("solc writes lower-case hex (checked by a test)"),
		};
		hex.chunks(2).map(|pair| nibble(pair[0]) << 4 | nibble(pair[1])).collect()
	}

	/// The contract's name in `Suite.sol`.
	pub fn name(self) -> &'static str {
		match self {
			Contract::Token => "Token",
			Contract::Factory => "Factory",
			Contract::Router => "Router",
			Contract::Counter => "Counter",
			Contract::Relay => "Relay",
			Contract::Payer => "Payer",
			Contract::Mirror => "Mirror",
		}
	}
}

/// The H160 address pallet-revive gives account `n` of `chain`.
pub fn address(chain: &Chain, n: usize) -> H160 {
	pallet_revive::AccountId32Mapper::<Runtime>::to_address(&chain.account(n))
}

/// The weight limit of one contract call or deployment: 50 ms, 1 MiB of proof.
pub fn weight_limit() -> Weight {
	Weight::from_parts(50_000_000_000, 1024 * 1024)
}

/// Deploy `contract` from account `signer` with its nonce 0 (CREATE2, salt 1); returns the
/// extrinsic and the address the contract will have.
pub fn deploy(chain: &Chain, signer: usize, contract: Contract) -> (UncheckedExtrinsic, H160) {
	let salt = [1; 32];
	let code = contract.bytecode();
	let address = pallet_revive::create2(&address(chain, signer), &code, &[], &salt);
	let call = RuntimeCall::Revive(pallet_revive::Call::instantiate_with_code {
		value: 0,
		weight_limit: weight_limit(),
		storage_deposit_limit: 1_000 * UNIT,
		code,
		data: Vec::new(),
		salt: Some(salt),
	});
	(chain.signed(signer, 0, call), address)
}

/// The call of `function` (a Solidity signature such as `"poke(address)"`) with one address
/// argument on `contract`, paying `value`.
pub fn call_data(contract: H160, function: &str, argument: H160, value: u128) -> RuntimeCall {
	let mut data = sp_io::hashing::keccak_256(function.as_bytes())[..4].to_vec();
	data.extend([0u8; 12]);
	data.extend(argument.as_bytes());
	RuntimeCall::Revive(pallet_revive::Call::call {
		dest: contract,
		value,
		weight_limit: weight_limit(),
		storage_deposit_limit: 1_000 * UNIT,
		data,
	})
}

/// [`call_data`] signed by account `signer` with its nonce 0.
pub fn call(
	chain: &Chain,
	signer: usize,
	contract: H160,
	function: &str,
	argument: H160,
	value: u128,
) -> UncheckedExtrinsic {
	chain.signed(signer, 0, call_data(contract, function, argument, value))
}

/// The spec of one contract of a batch: `dependencies` are indices into the batch, `input` the
/// constructor input (with placeholders for the dependencies' addresses).
pub fn spec(contract: Contract, dependencies: &[u32], input: Vec<u8>) -> ContractSpecOf<Runtime> {
	ContractSpecOf::<Runtime> {
		name: BoundedVec::truncate_from(contract.name().as_bytes().to_vec()),
		code: BoundedVec::truncate_from(contract.bytecode()),
		constructor_input: BoundedVec::truncate_from(input),
		dependencies: BoundedVec::truncate_from(
			dependencies.iter().copied().map(DependencyRef::Index).collect(),
		),
		value: 0,
		salt: [7; 32],
	}
}

/// One `batch_deploy` of the suite's Token, Factory and Router (listed dependents first, so the
/// pallet orders them), all or nothing.
pub fn suite_batch() -> RuntimeCall {
	let suite = vec![
		spec(Contract::Router, &[2, 1], [placeholder(2), placeholder(1)].concat()),
		spec(Contract::Factory, &[2], placeholder(2).to_vec()),
		spec(Contract::Token, &[], Vec::new()),
	];
	RuntimeCall::BatchDeploy(pallet_batch_deploy::Call::batch_deploy {
		contracts: BoundedVec::truncate_from(suite),
		mode: DeployMode::AllOrNothing,
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn every_artifact_is_lower_case_hex_of_real_bytecode() {
		for contract in [
			Contract::Token,
			Contract::Factory,
			Contract::Router,
			Contract::Counter,
			Contract::Relay,
			Contract::Payer,
			Contract::Mirror,
		] {
			let code = contract.bytecode();
			// solc's creation code starts with `PUSH1 0x80 PUSH1 0x40 MSTORE`.
			assert_eq!(code[..5], [0x60, 0x80, 0x60, 0x40, 0x52], "{}", contract.name());
			assert!(code.len() > 100, "{}", contract.name());
		}
	}
}
