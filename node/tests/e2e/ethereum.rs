//! Ethereum transactions on `pex-node --dev`: a wallet's EIP-1559 deployment and call, signed by
//! alloy, submitted as `Revive::eth_transact` (as pallet-revive-eth-rpc submits them), included
//! in blocks the parallel builder built, and charged to the signer.

use crate::common::{dry_run, TestDir, TestNode};
use codec::{Decode, Encode};
use pallet_revive::{evm::GenericTransaction, EthTransactError, H160, U256};
use pex_bench::load::{to_hex, NodeClient};
use pex_runtime::{genesis_config_presets::DEV_ETH_CHAIN_ID, RuntimeEvent, UNIT};
use pex_test_chain::{
	contracts::Contract,
	ethereum::{selector, Transaction, Wallet},
};
use std::time::{Duration, Instant};

type EventRecord = frame_system::EventRecord<RuntimeEvent, sp_core::H256>;
type EthTransactInfo = pallet_revive::pallet_revive_types::runtime_api::EthTransactInfoV1<u128>;

const FUNDS: u128 = 100 * UNIT;

/// What a wallet asks before signing: the gas price (`ReviveApi_gas_price`, behind
/// `eth_gasPrice`) and the gas of the transaction (`ReviveApi_eth_transact`'s dry run, behind
/// `eth_estimateGas`).
async fn estimate(
	client: &NodeClient,
	wallet: &Wallet,
	to: Option<H160>,
	input: &[u8],
) -> (U256, u64) {
	let price = client.state_call("ReviveApi_gas_price", &[]).await.expect("a gas price");
	let gas_price = U256::decode(&mut &price[..]).expect("a U256");
	let request: GenericTransaction =
		wallet.dry_run_request(DEV_ETH_CHAIN_ID, to, input, gas_price);
	let request =
		pallet_revive::pallet_revive_types::runtime_api::GenericTransactionV1::from(request);
	let bytes = client
		.state_call("ReviveApi_eth_transact", &request.encode())
		.await
		.expect("a dry run");
	let info = Result::<EthTransactInfo, EthTransactError>::decode(&mut &bytes[..])
		.expect("a dry-run result")
		.expect("the transaction would succeed");
	(gas_price, info.eth_gas.as_u64())
}

/// Sign `input` to `to` with `nonce`, submit it, and wait until the chain has finalized the
/// signer's nonce past it (at most two minutes).
async fn send(
	node: &TestNode,
	client: &NodeClient,
	wallet: &Wallet,
	nonce: u64,
	to: Option<H160>,
	input: Vec<u8>,
) {
	let (gas_price, gas) = estimate(client, wallet, to, &input).await;
	let tx = Transaction {
		chain_id: DEV_ETH_CHAIN_ID,
		nonce,
		to,
		input,
		gas,
		gas_price: gas_price.as_u128(),
	};
	let xt = wallet.extrinsic(&tx).encode();
	let _: serde_json::Value = client
		.call("author_submitExtrinsic", vec![format!("0x{}", to_hex(&xt)).into()])
		.await
		.expect("the node accepts the Ethereum transaction");
	let payer = subxt::utils::AccountId32(wallet.account().into());
	let deadline = Instant::now() + Duration::from_secs(120);
	while client.finalized_nonce(&payer).await.expect("a nonce") <= nonce {
		if Instant::now() > deadline {
			let stats = client.build_stats(4).await.expect("pex_buildStats");
			panic!("not finalized in time; the last blocks built: {stats:?}\n{}", node.tail());
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wallet_deploys_and_calls_a_contract_in_blocks_the_parallel_builder_built() {
	let dir = TestDir::new("ethereum");
	let node = TestNode::start(&dir.path().join("node"), &["--dev", "--exec-threads", "2"]);
	let client = node.client().await;

	// Given a wallet whose account holds funds.
	let wallet = Wallet::dev();
	let payer = subxt::utils::AccountId32(wallet.account().into());
	client.fund(&[payer], FUNDS).await.expect("funded");
	let first = client.finalized_number().await.expect("a block") + 1;

	// When it deploys the Counter and then calls `bump()`, as a wallet would.
	let counter = pallet_revive::create1(&wallet.address(), 0);
	send(&node, &client, &wallet, 0, None, Contract::Counter.bytecode()).await;
	send(&node, &client, &wallet, 1, Some(counter), selector("bump()")).await;
	let last = client.finalized_number().await.expect("a block");

	// Then the Counter is where CREATE put it, and counted once.
	let count = dry_run(&client, counter, "count()").await;
	assert_eq!(U256::from_big_endian(&count), U256::from(1));

	// And the signer paid fees (burned) and the contract's storage deposit, nothing else.
	let mut fees = 0;
	let mut included = Vec::new();
	for number in first..=last {
		for bytes in client.event_records(number).await.expect("events") {
			let record = EventRecord::decode(&mut &bytes[..]).expect("an event of pex-runtime");
			match record.event {
				RuntimeEvent::TransactionPayment(
					pallet_transaction_payment::Event::TransactionFeePaid {
						who, actual_fee, ..
					},
				) if who == wallet.account() => {
					fees += actual_fee;
					included.push(number);
				},
				RuntimeEvent::System(frame_system::Event::ExtrinsicFailed {
					dispatch_error,
					..
				}) => panic!("an extrinsic failed: {dispatch_error:?}"),
				_ => {},
			}
		}
	}
	assert_eq!(included.len(), 2, "both transactions charged once: {included:?}");
	let spent = FUNDS - client.free_balance(&payer).await.expect("a balance");
	assert!(fees > 0 && spent > fees, "fees {fees} and a deposit, spent {spent}");

	// And pex built the blocks that hold them.
	let stats = client.build_stats(1_024).await.expect("pex_buildStats");
	for number in included {
		let record = stats
			.iter()
			.find(|record| record["number"].as_u64() == Some(number))
			.unwrap_or_else(|| panic!("no build record of block {number}: {stats:?}"));
		assert_eq!(record["builder"], "pex", "block {number}: {record}");
	}
}
