//! Ethereum transactions applied natively: signed by alloy as a wallet signs them (EIP-1559),
//! wrapped in `Revive::eth_transact`, checked, applied and charged by the runtime.

use crate::common::*;
use frame_support::{
	storage::{with_transaction, TransactionOutcome},
	traits::{
		fungible::{Inspect, Mutate},
		Get, Hooks,
	},
};
use pallet_revive::{evm::GenericTransaction, AddressMapper, H160, U256};
use pex_runtime::{
	genesis_config_presets::DEV_ETH_CHAIN_ID, parallel, AccountId, Balances, Executive, Revive,
	Runtime, RuntimeEvent, System, UncheckedExtrinsic, UNIT,
};
use pex_test_chain::{
	contracts::Contract,
	ethereum::{selector, Transaction, Wallet},
};
use sp_keyring::Sr25519Keyring::{Alice, Bob, Charlie};
use sp_runtime::{
	transaction_validity::{InvalidTransaction, TransactionValidityError},
	DispatchError,
};

type Mapper = <Runtime as pallet_revive::Config>::AddressMapper;

/// Wei per native planck (`NativeToEthRatio`).
const WEI_PER_PLANCK: u128 = 1_000_000;

/// A dry run of `tx`, its effects discarded.
fn dry_run(
	tx: GenericTransaction,
	balance_checks: bool,
) -> pallet_revive::EthTransactInfo<pex_runtime::Balance> {
	with_transaction(|| {
		TransactionOutcome::Rollback(Ok::<_, DispatchError>(Revive::dry_run_eth_transact(
			tx,
			None,
			balance_checks,
			None,
		)))
	})
	.expect("rolled back")
	.expect("the dry run succeeds")
}

/// `input` to `to` (`None`: a deployment) from `wallet` with `nonce`, signed for `chain_id`
/// with the gas price and gas a wallet asks the node for (`eth_gasPrice`, `eth_estimateGas`).
fn eth_transaction(
	wallet: &Wallet,
	chain_id: u64,
	nonce: u64,
	to: Option<H160>,
	input: Vec<u8>,
) -> UncheckedExtrinsic {
	let gas_price = Revive::evm_base_fee();
	let estimate = dry_run(wallet.dry_run_request(DEV_ETH_CHAIN_ID, to, &input, gas_price), true);
	wallet.extrinsic(&Transaction {
		chain_id,
		nonce,
		to,
		input,
		gas: estimate.eth_gas.as_u64(),
		gas_price: gas_price.as_u128(),
	})
}

/// `count()` of the Counter at `counter`, by a dry run.
fn count(counter: H160) -> U256 {
	let tx = GenericTransaction {
		from: Some(Mapper::to_address(&Alice.to_account_id())),
		to: Some(counter),
		input: pallet_revive::evm::Bytes(selector("count()")).into(),
		gas_price: Some(Revive::evm_base_fee()),
		..Default::default()
	};
	U256::from_big_endian(&dry_run(tx, false).data)
}

fn fees_paid_by(who: &AccountId) -> u128 {
	System::events()
		.iter()
		.filter_map(|record| match &record.event {
			RuntimeEvent::TransactionPayment(
				pallet_transaction_payment::Event::TransactionFeePaid {
					who: payer,
					actual_fee,
					tip,
				},
			) if payer == who => Some(actual_fee + tip),
			_ => None,
		})
		.sum()
}

#[test]
fn revive_takes_the_chain_id_of_the_genesis_config() {
	development().execute_with(|| {
		assert_eq!(<Runtime as pallet_revive::Config>::ChainId::get(), DEV_ETH_CHAIN_ID);
	});
	let patch = serde_json::json!({ "ethChainId": { "chainId": 1_287 } });
	preset_with("development", patch).execute_with(|| {
		assert_eq!(<Runtime as pallet_revive::Config>::ChainId::get(), 1_287);
	});
}

#[test]
fn the_gas_price_is_one_gwei() {
	development().execute_with(|| {
		assert_eq!(Revive::evm_base_fee(), U256::from(1_000_000_000u64));
	});
}

#[test]
fn coinbase_is_the_account_of_the_aura_author() {
	development().execute_with(|| {
		start_block();
		// Slot 1 of one authority: Alice.
		assert_eq!(Revive::block_author(), Mapper::to_address(&Alice.to_account_id()));
	});
}

#[test]
fn a_signed_deployment_and_call_apply_and_the_signer_pays_its_receipts_gas() {
	development().execute_with(|| {
		let wallet = Wallet::dev();
		let payer = wallet.account();
		Balances::set_balance(&payer, 1_000 * UNIT);
		start_block();
		let issuance = Balances::total_issuance();
		let active = Balances::active_issuance();

		// When a wallet deploys the Counter (nonce 0), then bumps it (nonce 1).
		let counter = pallet_revive::create1(&wallet.address(), 0);
		let deploy =
			eth_transaction(&wallet, DEV_ETH_CHAIN_ID, 0, None, Contract::Counter.bytecode());
		assert_eq!(Executive::apply_extrinsic(deploy), Ok(Ok(())));
		let bump = eth_transaction(&wallet, DEV_ETH_CHAIN_ID, 1, Some(counter), selector("bump()"));
		assert_eq!(Executive::apply_extrinsic(bump), Ok(Ok(())));

		// Then the contract exists where CREATE puts it and counted once.
		assert_eq!(count(counter), U256::from(1));
		assert_eq!(System::account_nonce(&payer), 2);
		let fees = fees_paid_by(&payer);
		assert!(fees > 0, "the signer paid transaction fees");
		let spent = 1_000 * UNIT - Balances::total_balance(&payer);
		assert!(spent > fees, "and a storage deposit for the contract's code and storage");

		// And the receipts' gas x effective gas price is what the signer paid, in wei
		// (pallet-revive writes the receipts when it finalizes the block).
		<Revive as Hooks<u32>>::on_finalize(1);
		let receipts = Revive::eth_receipt_data();
		assert_eq!(receipts.len(), 2, "one receipt per Ethereum transaction");
		let receipts_wei: U256 = receipts
			.iter()
			.map(|receipt| receipt.gas_used * receipt.effective_gas_price)
			.fold(U256::zero(), |sum, wei| sum + wei);
		assert!(receipts
			.iter()
			.all(|receipt| receipt.effective_gas_price == Revive::evm_base_fee()));
		assert_eq!(receipts_wei, U256::from(spent) * U256::from(WEI_PER_PLANCK));
		// The fees were burned, not paid to anyone, and so was each fee's rounding up to whole
		// gas (pallet-revive's `OnBurn`, less than a gas unit's price per transaction): issuance
		// fell by both, less the existential deposit pallet-revive mints into the new
		// contract's account. It deactivates that mint, so active issuance (what conviction
		// voting counts) fell by the fees and the rounding alone.
		let ed = pex_runtime::EXISTENTIAL_DEPOSIT;
		let fell = issuance - Balances::total_issuance();
		let rounding = fell + ed - fees;
		let gas_price = (Revive::evm_base_fee() / U256::from(WEI_PER_PLANCK)).as_u128();
		assert!(fell + ed > fees && rounding < 2 * gas_price, "fell {fell}, fees {fees}");
		assert_eq!(active - Balances::active_issuance(), fees + rounding);
	});
}

#[test]
fn a_transaction_signed_for_another_chain_is_refused_and_changes_nothing() {
	development().execute_with(|| {
		let wallet = Wallet::dev();
		let payer = wallet.account();
		Balances::set_balance(&payer, 1_000 * UNIT);
		start_block();
		let other_chain =
			eth_transaction(&wallet, DEV_ETH_CHAIN_ID + 1, 0, None, Contract::Counter.bytecode());
		let before = snapshot();
		assert!(matches!(
			Executive::apply_extrinsic(other_chain),
			Err(TransactionValidityError::Invalid(_))
		));
		assert_eq!(snapshot(), before);
	});
}

#[test]
fn a_transaction_whose_signer_cannot_pay_is_refused() {
	development().execute_with(|| {
		let wallet = Wallet::dev();
		start_block();
		// Estimated while funded, as a wallet would, then sent from an empty account.
		let payer = wallet.account();
		Balances::set_balance(&payer, 1_000 * UNIT);
		let deploy =
			eth_transaction(&wallet, DEV_ETH_CHAIN_ID, 0, None, Contract::Counter.bytecode());
		Balances::set_balance(&payer, 0);
		// As a block builder applies it: in a storage transaction, rolled back when refused.
		let before = snapshot();
		let result = with_transaction(|| {
			let result = Executive::apply_extrinsic(deploy);
			let outcome = Ok::<_, DispatchError>(result);
			if result.is_ok() {
				TransactionOutcome::Commit(outcome)
			} else {
				TransactionOutcome::Rollback(outcome)
			}
		})
		.expect("one level of storage transactions");
		assert_eq!(result, Err(TransactionValidityError::Invalid(InvalidTransaction::Payment)));
		assert_eq!(snapshot(), before);
	});
}

#[test]
fn the_builder_is_told_what_an_ethereum_transaction_weighs_and_that_it_touches_everything() {
	use frame_support::dispatch::DispatchClass;
	development().execute_with(|| {
		let wallet = Wallet::dev();
		Balances::set_balance(&wallet.account(), 1_000 * UNIT);
		start_block();
		let deploy =
			eth_transaction(&wallet, DEV_ETH_CHAIN_ID, 0, None, Contract::Counter.bytecode());
		let described = parallel::describe(core::slice::from_ref(&deploy)).remove(0);
		// Not `eth_transact`'s declared `Weight::MAX`, which fits no block, but what the block
		// books for it (its base weight apart), so it fits beside others.
		let limits = <Runtime as frame_system::Config>::BlockWeights::get();
		let normal = limits.get(DispatchClass::Normal);
		assert!(described.weight.ref_time() > 0);
		assert!(described.weight.all_lt(normal.max_extrinsic.expect("a normal extrinsic limit")));
		let booked_before = *System::block_weight().get(DispatchClass::Normal);
		assert_eq!(Executive::apply_extrinsic(deploy), Ok(Ok(())));
		let booked =
			System::block_weight().get(DispatchClass::Normal).saturating_sub(booked_before);
		// Booked before dispatch, refunded after: never more than described.
		assert!(
			booked.all_lte(described.weight + normal.base_extrinsic),
			"{booked:?} > {described:?}"
		);
		// Its signer is only known from its signature: it claims all of storage.
		assert!(described.access.conflicts_with(&parallel::access_set(&signed(
			Bob,
			0,
			transfer(Charlie, UNIT)
		))));
	});
}
