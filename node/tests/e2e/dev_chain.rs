//! `pex-node --dev` end to end, with subxt as the client: 500 signed transfers from 50 accounts
//! and a batch deployment of the Solidity suite, all included and finalized with the expected
//! effects; bad input refused with clear errors while blocks keep coming; and the chain's
//! export imported, block by block, by a node that executes every block sequentially.

use crate::common::{
	abi_address, assert_imports_sequentially, dry_run, runtime_account, TestDir, TestNode,
};
use codec::{Decode, Encode};
use pex_bench::load::{account, dev_key, load_accounts, to_hex, NodeClient, Transfer};
use pex_runtime::{AccountId, RuntimeEvent, MILLI_UNIT, UNIT};
use pex_test_chain::contracts::suite_batch;
use std::{collections::BTreeMap, time::Duration};

type EventRecord = frame_system::EventRecord<RuntimeEvent, sp_core::H256>;

const ACCOUNTS: usize = 50;
const PER_ACCOUNT: u64 = 10;
const FUNDS: u128 = 100 * UNIT;

/// Every event of finalized blocks `from..=to`.
async fn events(client: &NodeClient, from: u64, to: u64) -> Vec<RuntimeEvent> {
	let mut all = Vec::new();
	for number in from..=to {
		for bytes in client.event_records(number).await.expect("events") {
			let record = EventRecord::decode(&mut &bytes[..]).expect("an event of pex-runtime");
			all.push(record.event);
		}
	}
	all
}

/// Wait until `who`'s finalized nonce reaches `nonce` (at most three minutes).
async fn wait_nonce(
	node: &TestNode,
	client: &NodeClient,
	who: &[subxt::utils::AccountId32],
	nonce: u64,
) {
	let deadline = std::time::Instant::now() + Duration::from_secs(180);
	for account in who {
		while client.finalized_nonce(account).await.expect("a nonce") < nonce {
			assert!(std::time::Instant::now() < deadline, "not finalized in time\n{}", node.tail());
			tokio::time::sleep(Duration::from_millis(500)).await;
		}
	}
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dev_chain_takes_transfers_and_a_batch_deploy_refuses_bad_input_and_imports_sequentially()
{
	let dir = TestDir::new("dev-chain");
	let author_base = dir.path().join("author");
	let mut node = TestNode::start(&author_base, &["--dev", "--exec-threads", "2"]);
	let client = node.client().await;

	// Given 50 funded accounts.
	let keys = load_accounts(ACCOUNTS).expect("keys");
	let accounts: Vec<_> = keys.iter().map(account).collect();
	client.fund(&accounts, FUNDS).await.expect("funded");
	let first = client.finalized_number().await.expect("a block") + 1;

	// When each sends 10 transfers to the next 10 accounts.
	let mut expected_transfers = BTreeMap::new();
	let transfers: Vec<Transfer> = (0..ACCOUNTS)
		.flat_map(|i| (0..PER_ACCOUNT).map(move |k| (i, k)))
		.map(|(i, k)| {
			let to = (i + 1 + k as usize) % ACCOUNTS;
			let value = (k as u128 + 1) * MILLI_UNIT;
			*expected_transfers.entry((i, to, value)).or_insert(0) += 1;
			Transfer { from: &keys[i], nonce: k, to: accounts[to], value }
		})
		.collect();
	for (index, result) in client
		.submit_transfers(&transfers)
		.await
		.expect("submitted")
		.into_iter()
		.enumerate()
	{
		result.unwrap_or_else(|error| panic!("transfer {index} refused: {error}"));
	}
	wait_nonce(&node, &client, &accounts, PER_ACCOUNT).await;
	let last = client.finalized_number().await.expect("a block");

	// Then every transfer is in a finalized block, with its fee, and no extrinsic failed.
	let index: BTreeMap<AccountId, usize> =
		accounts.iter().enumerate().map(|(i, a)| (runtime_account(a), i)).collect();
	let mut seen_transfers = BTreeMap::new();
	let mut fees = vec![0u128; ACCOUNTS];
	for event in events(&client, first, last).await {
		match event {
			RuntimeEvent::Balances(pallet_balances::Event::Transfer { from, to, amount }) =>
				if let (Some(&from), Some(&to)) = (index.get(&from), index.get(&to)) {
					*seen_transfers.entry((from, to, amount)).or_insert(0) += 1;
				},
			RuntimeEvent::TransactionPayment(
				pallet_transaction_payment::Event::TransactionFeePaid { who, actual_fee, tip },
			) =>
				if let Some(&who) = index.get(&who) {
					fees[who] += actual_fee + tip;
				},
			RuntimeEvent::System(frame_system::Event::ExtrinsicFailed {
				dispatch_error, ..
			}) => panic!("an extrinsic failed: {dispatch_error:?}"),
			_ => {},
		}
	}
	assert_eq!(seen_transfers, expected_transfers, "each transfer exactly once");
	assert!(fees.iter().all(|fee| *fee > 0), "every sender paid fees");
	// And every balance is what it received minus what it sent and paid.
	for (i, who) in accounts.iter().enumerate() {
		let sent: u128 = (0..PER_ACCOUNT as u128).map(|k| (k + 1) * MILLI_UNIT).sum();
		let received: u128 = expected_transfers
			.iter()
			.filter(|((_, to, _), _)| *to == i)
			.map(|((_, _, value), count)| value * count)
			.sum();
		let balance = client.free_balance(who).await.expect("a balance");
		assert_eq!(balance, FUNDS + received - sent - fees[i], "account {i}");
	}

	// And blocks were built by pex, some with more than one group.
	let stats = client.build_stats(1_024).await.expect("pex_buildStats");
	assert!(
		stats.iter().any(|s| s["builder"] == "pex" && s["groups"].as_u64() > Some(1)),
		"a block with several groups: {stats:?}"
	);

	// When Alice deploys the suite in one batch.
	let alice = dev_key("Alice").expect("Alice");
	let nonce = client.next_nonce(&account(&alice)).await.expect("a nonce");
	let before_deploy = client.finalized_number().await.expect("a block") + 1;
	client
		.submit_call(&alice, nonce, &suite_batch().encode())
		.await
		.expect("the batch is accepted");
	wait_nonce(&node, &client, &[account(&alice)], nonce + 1).await;
	let after_deploy = client.finalized_number().await.expect("a block");

	// Then all three contracts are deployed, and answer as their constructors set them up.
	let mut deployed = BTreeMap::new();
	let mut completed = None;
	for event in events(&client, before_deploy, after_deploy).await {
		match event {
			RuntimeEvent::BatchDeploy(pallet_batch_deploy::Event::ContractDeployed {
				name,
				address,
				..
			}) => {
				deployed.insert(String::from_utf8(name.to_vec()).expect("a name"), address);
			},
			RuntimeEvent::BatchDeploy(pallet_batch_deploy::Event::BatchCompleted {
				deployed,
				failed,
				levels,
				..
			}) => completed = Some((deployed, failed, levels)),
			_ => {},
		}
	}
	assert_eq!(completed, Some((3, 0, 3)), "three contracts on three levels");
	let (token, factory, router) = (deployed["Token"], deployed["Factory"], deployed["Router"]);
	assert_eq!(abi_address(&dry_run(&client, router, "token()").await), token);
	assert_eq!(abi_address(&dry_run(&client, router, "factory()").await), factory);
	assert_eq!(abi_address(&dry_run(&client, factory, "token()").await), token);
	let supply = dry_run(&client, token, "totalSupply()").await;
	assert_eq!(sp_core::U256::from_big_endian(&supply), sp_core::U256::from(1_000_000u64));

	// When bad input arrives: each gets a clear error.
	let submit_raw = |bytes: Vec<u8>| {
		let client = &client;
		async move {
			client
				.call("author_submitExtrinsic", vec![format!("0x{}", to_hex(&bytes)).into()])
				.await
		}
	};
	// Bytes that are not even a length-prefixed extrinsic: the RPC refuses them.
	let unframed = submit_raw(vec![0x0c, 0x01]).await.expect_err("unframed bytes");
	assert!(unframed.to_string().contains("Could not decode"), "{unframed}");
	// A framed extrinsic the runtime cannot decode: its validation fails (the runtime traps on
	// undecodable input, as every FRAME runtime does).
	let malformed = submit_raw(vec![0x08, 0x01, 0x02]).await.expect_err("malformed bytes");
	assert!(malformed.to_string().contains("Verification Error"), "{malformed}");

	let stale = Transfer { from: &keys[0], nonce: 0, to: accounts[1], value: MILLI_UNIT };
	let stale = client
		.submit_transfers(&[stale])
		.await
		.expect("signed")
		.remove(0)
		.expect_err("stale");
	assert!(stale.to_string().contains("outdated"), "{stale}");

	let unknown = client.call("pex_noSuchMethod", vec![]).await.expect_err("unknown method");
	assert!(unknown.to_string().contains("Method not found"), "{unknown}");

	let bad_signature = {
		// A real signed transfer from Bob with its signature's last byte flipped.
		let call = pex_test_chain::chain::transfer_call(runtime_account(&accounts[1]), 1).encode();
		let bob = dev_key("Bob").expect("Bob");
		let bob_nonce = client.next_nonce(&account(&bob)).await.expect("a nonce");
		let mut extrinsic = signed_bytes(&client, &bob, bob_nonce, &call).await;
		// Length prefix, version byte, MultiAddress::Id (33 bytes), signature kind, 64 bytes.
		let length = codec::Compact::<u32>::decode(&mut &extrinsic[..]).expect("a length").0;
		let prefix = extrinsic.len() - length as usize;
		assert_eq!(extrinsic[prefix], 0x84, "a signed extrinsic of version 4");
		extrinsic[prefix + 1 + 33 + 1 + 63] ^= 0xff;
		submit_raw(extrinsic).await.expect_err("a bad signature")
	};
	assert!(bad_signature.to_string().contains("bad signature"), "{bad_signature}");

	let oversize = oversize_batch();
	let oversize = client
		.submit_call(&alice, nonce + 1, &oversize)
		.await
		.expect_err("17 contracts where 16 fit");
	assert!(oversize.to_string().to_lowercase().contains("verification error"), "{oversize}");

	// And blocks keep coming.
	let now = client.finalized_number().await.expect("a block");
	node.wait_finalized(&client, now + 2, Duration::from_secs(60)).await;

	// When the chain is exported and imported by a node that executes every block itself, it
	// holds the same chain, state roots included.
	drop(client);
	node.stop();
	assert_imports_sequentially(dir.path(), &author_base);
}

/// `call_data` signed by `from` with `nonce`, as bytes (not submitted).
async fn signed_bytes(
	client: &NodeClient,
	from: &subxt_signer::sr25519::Keypair,
	nonce: u64,
	call_data: &[u8],
) -> Vec<u8> {
	use subxt::config::DefaultExtrinsicParamsBuilder;
	let at = client.api().at_current_block().await.expect("a block");
	let call = at.tx().from_call_data_bytes(call_data).expect("a call");
	let params = DefaultExtrinsicParamsBuilder::<subxt::PolkadotConfig>::new()
		.nonce(nonce)
		.build();
	at.tx()
		.create_signable_offline(&call, params)
		.expect("signable")
		.sign(from)
		.expect("signed")
		.into_encoded()
}

/// The call data of a `batch_deploy` of 17 contracts, one more than `MaxContracts`.
fn oversize_batch() -> Vec<u8> {
	let spec = pex_test_chain::contracts::spec(
		pex_test_chain::contracts::Contract::Token,
		&[],
		Vec::new(),
	);
	let specs = vec![spec; 17];
	let call = suite_batch().encode();
	// The suite's call data: pallet index, call index, the contracts, the mode (last byte).
	let mode = *call.last().expect("a mode");
	[&call[..2], &specs.encode()[..], &[mode][..]].concat()
}
