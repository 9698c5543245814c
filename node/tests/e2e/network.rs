//! Three validators of the `local` chain on loopback: Alice and Bob build their blocks with pex,
//! Charlie with the stock proposer. Under transfer load every node imports every block (each
//! executes the blocks the others authored), GRANDPA finalizes, and the finalized state roots
//! agree.

use crate::common::{run, TestDir, TestNode};
use pex_bench::load::{account, load_accounts, NodeClient, Transfer};
use pex_runtime::MILLI_UNIT;
use std::time::Duration;

/// The header of block `number` on `client`'s chain: (hash, state root).
async fn header(client: &NodeClient, number: u64) -> (String, String) {
	let hash = client.call("chain_getBlockHash", vec![number.into()]).await.expect("a hash");
	let header = client.call("chain_getHeader", vec![hash.clone()]).await.expect("a header");
	(
		hash.as_str().expect("hex").to_string(),
		header["stateRoot"].as_str().expect("hex").to_string(),
	)
}

fn strs(args: &[String]) -> Vec<&str> {
	args.iter().map(String::as_str).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn three_validators_agree_on_every_finalized_block_built_by_pex_and_stock_alike() {
	let dir = TestDir::new("network");
	// A validator needs a persistent network key: one each; Alice's peer id makes her the
	// bootnode.
	let node_key = |name: &str| {
		let file = dir.path().join(format!("{name}.key"));
		let generated =
			run(&["key", "generate-node-key", "--file", &file.to_string_lossy()]).expect("a key");
		let peer_id = generated.lines().map(str::trim).find(|l| l.starts_with("12D3"));
		(file.to_string_lossy().to_string(), peer_id.expect("a peer id").to_string())
	};
	let (key, peer_id) = node_key("alice");
	let (bob_key, _) = node_key("bob");
	let (charlie_key, _) = node_key("charlie");

	let alice_port = crate::common::free_port();
	let validator = |name: &str, extra: &[&str]| {
		let mut args = vec!["--chain", "local", "--validator", "--force-authoring"];
		args.extend_from_slice(extra);
		(dir.path().join(name), args.into_iter().map(String::from).collect::<Vec<_>>())
	};
	let (alice_base, alice_args) = validator("alice", &["--alice", "--node-key-file", &key]);
	let bootnode = format!("/ip4/127.0.0.1/tcp/{alice_port}/p2p/{peer_id}");
	let (bob_base, bob_args) =
		validator("bob", &["--bob", "--node-key-file", &bob_key, "--bootnodes", &bootnode]);
	let (charlie_base, charlie_args) = validator(
		"charlie",
		&[
			"--charlie",
			"--node-key-file",
			&charlie_key,
			"--bootnodes",
			&bootnode,
			"--parallel-exec",
			"off",
		],
	);
	let alice = TestNode::start_on(&alice_base, &strs(&alice_args), alice_port);
	let bob = TestNode::start(&bob_base, &strs(&bob_args));
	let charlie = TestNode::start(&charlie_base, &strs(&charlie_args));
	let clients = [alice.client().await, bob.client().await, charlie.client().await];

	// Under load: 20 accounts, 5 transfers each, sent to Bob's node.
	let keys = load_accounts(20).expect("keys");
	let accounts: Vec<_> = keys.iter().map(account).collect();
	clients[1].fund(&accounts, 10 * pex_runtime::UNIT).await.expect("funded");
	let transfers: Vec<Transfer> = (0..keys.len())
		.flat_map(|i| (0..5u64).map(move |k| (i, k)))
		.map(|(i, k)| Transfer {
			from: &keys[i],
			nonce: k,
			to: accounts[(i + 1) % keys.len()],
			value: MILLI_UNIT,
		})
		.collect();
	for result in clients[1].submit_transfers(&transfers).await.expect("submitted") {
		result.expect("accepted");
	}

	// Every node finalizes a block that each of the three authored blocks before.
	let target = clients[0].finalized_number().await.expect("a block") + 7;
	for (node, client) in [&alice, &bob, &charlie].into_iter().zip(&clients) {
		node.wait_finalized(client, target, Duration::from_secs(240)).await;
	}
	for number in 1..=target {
		let reference = header(&clients[0], number).await;
		for client in &clients[1..] {
			assert_eq!(header(client, number).await, reference, "block {number}");
		}
	}
	for account in &accounts {
		assert_eq!(clients[2].finalized_nonce(account).await.expect("a nonce"), 5);
	}
	// Each authored: Alice and Bob with pex, Charlie with the stock proposer.
	for (client, builder) in clients.iter().zip(["pex", "pex", "stock"]) {
		let stats = client.build_stats(64).await.expect("pex_buildStats");
		assert!(!stats.is_empty(), "every validator authored");
		assert!(stats.iter().all(|s| s["builder"] == builder), "{builder}: {stats:?}");
	}
}
