//! A node killed (SIGKILL) while it authors under load restarts on its database: it continues
//! from its best block, keeps every finalized block, and transfers never included can be sent
//! again and are included.

use crate::common::{TestDir, TestNode};
use pex_bench::load::{account, load_accounts, Transfer};
use pex_runtime::MILLI_UNIT;
use std::time::Duration;

const ACCOUNTS: usize = 10;
const PER_ACCOUNT: u64 = 20;

/// The number of the node's best block.
async fn best_number(client: &pex_bench::load::NodeClient) -> u64 {
	let header = client.call("chain_getHeader", vec![]).await.expect("a header");
	let hex = header["number"].as_str().expect("a number");
	u64::from_str_radix(hex.trim_start_matches("0x"), 16).expect("hex")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_node_restarts_where_it_was_and_loses_no_finalized_block() {
	let dir = TestDir::new("crash");
	let base = dir.path().join("node");
	let mut node = TestNode::start(&base, &["--dev"]);
	let client = node.client().await;
	let keys = load_accounts(ACCOUNTS).expect("keys");
	let accounts: Vec<_> = keys.iter().map(account).collect();
	client.fund(&accounts, 10 * pex_runtime::UNIT).await.expect("funded");

	// Under load: every account's transfers in the pool, some of them in blocks.
	let transfer = |i: usize, nonce: u64| Transfer {
		from: &keys[i],
		nonce,
		to: accounts[(i + 1) % ACCOUNTS],
		value: MILLI_UNIT,
	};
	let transfers: Vec<Transfer> = (0..ACCOUNTS)
		.flat_map(|i| (0..PER_ACCOUNT).map(move |k| (i, k)))
		.map(|(i, k)| transfer(i, k))
		.collect();
	for result in client.submit_transfers(&transfers).await.expect("submitted") {
		result.expect("accepted");
	}
	let finalized = client.finalized_number().await.expect("a block");
	let finalized_hash =
		client.call("chain_getBlockHash", vec![finalized.into()]).await.expect("a hash");

	let best_before = best_number(&client).await;

	// When the node is killed and started again on the same base path.
	drop(client);
	node.kill();
	let node = TestNode::start(&base, &["--dev"]);
	let client = node.client().await;

	// Then it keeps every finalized block and goes on producing and finalizing.
	let again = client.call("chain_getBlockHash", vec![finalized.into()]).await.expect("a hash");
	assert_eq!(again, finalized_hash, "finalized block #{finalized} survived");
	assert!(best_number(&client).await >= best_before, "it continues from its best block");
	node.wait_finalized(&client, finalized + 2, Duration::from_secs(120)).await;

	// And what was never included can be sent again: every account reaches its last nonce.
	let mut resent = Vec::new();
	for (i, who) in accounts.iter().enumerate() {
		let next = client.next_nonce(who).await.expect("a nonce");
		resent.extend((next..PER_ACCOUNT).map(|nonce| transfer(i, nonce)));
	}
	for result in client.submit_transfers(&resent).await.expect("submitted") {
		result.expect("accepted again");
	}
	let deadline = std::time::Instant::now() + Duration::from_secs(180);
	for who in &accounts {
		while client.finalized_nonce(who).await.expect("a nonce") < PER_ACCOUNT {
			assert!(std::time::Instant::now() < deadline, "not finalized\n{}", node.tail());
			tokio::time::sleep(Duration::from_millis(500)).await;
		}
	}
}
