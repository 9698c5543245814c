//! `pallet-batch-deploy`'s contract engine: pallet-revive.

use crate::{AccountId, Balance, Revive, Runtime, RuntimeOrigin};
use alloc::vec::Vec;
use frame_support::{storage::storage_prefix, traits::PalletInfoAccess, weights::Weight};
use pallet_batch_deploy::{DeployedContract, Deployer, Salt};
use pallet_revive::{AccountInfo, AddressMapper, Code, ExecConfig, TransactionLimits, H160, H256};
use sp_runtime::{DispatchError, SaturatedConversion};

/// The first bytes of every PolkaVM blob; anything else is EVM init code.
const PVM_MAGIC: [u8; 4] = *b"PVM\0";

type Mapper = <Runtime as pallet_revive::Config>::AddressMapper;

/// Deploys through pallet-revive, as `instantiate_with_code` would, with a salt (CREATE2).
///
/// For PolkaVM code the constructor input is the call data; for EVM init code, which revive
/// runs with empty call data, it is appended to the code, as Solidity expects constructor
/// arguments. Either way the address is `create2(deployer, code, input, salt)` with the
/// deployer's H160. pallet-revive only accepts deployers whose account is mapped to an H160
/// (`Revive::map_account`); others get `AccountUnmapped`. Unlike `instantiate_with_code`, a
/// deployment does not bump the deployer's nonce again: a `batch_deploy` is one transaction and
/// moves the nonce by one, however many contracts it holds, so a client can sign its next
/// transactions ahead (nonce + 1, + 2, ...). Addresses are CREATE2 (salted) and do not depend on
/// the nonce. Contracts that create contracts still bump their own nonces, as the EVM does.
pub struct ReviveDeployer;

impl Deployer<AccountId> for ReviveDeployer {
	type Address = H160;
	type Balance = Balance;

	fn predict_address(deployer: &AccountId, code: &[u8], input: &[u8], salt: &Salt) -> H160 {
		pallet_revive::create2(&Mapper::to_address(deployer), code, input, salt)
	}

	fn address_word(address: &H160) -> [u8; 32] {
		let mut word = [0u8; 32];
		word[12..].copy_from_slice(address.as_bytes());
		word
	}

	fn address_storage_keys(address: &H160) -> Vec<Vec<u8>> {
		let info = storage_prefix(Revive::name().as_bytes(), b"AccountInfoOf");
		let mut keys = crate::parallel::contract_account_keys(address);
		keys.push([info.as_slice(), address.as_bytes()].concat());
		keys
	}

	fn code_storage_keys(code: &[u8]) -> Vec<Vec<u8>> {
		if !code.starts_with(&PVM_MAGIC) {
			// EVM: the stored code is what the constructor returns, unknown beforehand.
			return Vec::new();
		}
		let code_hash = H256(pallet_revive::keccak_256(code));
		let pallet = Revive::name().as_bytes();
		[b"PristineCode".as_slice(), b"CodeInfoOf"]
			.iter()
			.map(|item| [storage_prefix(pallet, item).as_slice(), code_hash.as_bytes()].concat())
			.collect()
	}

	fn deploy(
		deployer: &AccountId,
		code: &[u8],
		input: &[u8],
		value: Balance,
		salt: &Salt,
		weight_limit: Weight,
	) -> Result<DeployedContract<H160>, DispatchError> {
		if !Mapper::is_mapped(deployer) {
			return Err(pallet_revive::Error::<Runtime>::AccountUnmapped.into());
		}
		let (code, data) = if code.starts_with(&PVM_MAGIC) {
			(code.to_vec(), input.to_vec())
		} else {
			([code, input].concat(), Vec::new())
		};
		let output = Revive::bare_instantiate(
			RuntimeOrigin::signed(deployer.clone()),
			Revive::convert_native_to_evm(value),
			TransactionLimits::WeightAndDeposit { weight_limit, deposit_limit: Balance::MAX },
			Code::Upload(code),
			data,
			Some(*salt),
			&ExecConfig::new_substrate_tx_without_bump(),
		);
		let instantiated = output.result?;
		if instantiated.result.did_revert() {
			return Err(pallet_revive::Error::<Runtime>::ContractReverted.into());
		}
		let address = instantiated.addr;
		let code_hash = AccountInfo::<Runtime>::load_contract(&address)
			.map(|contract| contract.code_hash)
			.ok_or(pallet_revive::Error::<Runtime>::ContractNotFound)?;
		Ok(DeployedContract {
			address,
			code_hash,
			weight_used: output.weight_consumed,
			gas_used: output.gas_consumed.saturated_into(),
		})
	}
}

/// EVM init code of exactly `len` bytes (at least 5) that deploys an empty contract:
/// `PUSH1 0 PUSH1 0 RETURN`, then zeros the constructor never reaches. For benchmarks, where
/// code size must be a free parameter.
pub fn padded_empty_contract(len: u32) -> Vec<u8> {
	let mut code = alloc::vec![0x60, 0x00, 0x60, 0x00, 0xf3];
	code.resize((len as usize).max(code.len()), 0);
	code
}

/// Benchmark setup for pallet-batch-deploy on this runtime.
#[cfg(feature = "runtime-benchmarks")]
pub struct BatchDeployBenchmarks;

#[cfg(feature = "runtime-benchmarks")]
impl pallet_batch_deploy::BenchmarkHelper<AccountId> for BatchDeployBenchmarks {
	fn code(len: u32) -> Vec<u8> {
		padded_empty_contract(len)
	}

	fn prepare_deployer(deployer: &AccountId) {
		use frame_support::traits::fungible::Mutate;
		let funds = 1_000_000 * crate::UNIT;
		let _ = <crate::Balances as Mutate<AccountId>>::set_balance(deployer, funds);
		let _ = Revive::map_account(RuntimeOrigin::signed(deployer.clone()));
	}
}
