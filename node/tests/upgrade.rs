//! A runtime upgrade on a running `pex-node --dev`: sudo installs the next release (this runtime
//! built with `increment-spec-version`: `spec_version` one higher, one more hot key) over RPC,
//! with transfers before and after it; blocks keep coming and report the new version, the parallel
//! proposer builds them with the new code and the new code's hot keys, and the chain, upgrade
//! included, imports on a node that executes every block itself.

mod common;

use codec::{Decode, Encode};
use common::{assert_imports_sequentially, TestDir, TestNode};
use pex_bench::load::{account, dev_key, NodeClient, Transfer};
use pex_primitives::HotKey;
use pex_runtime::{RuntimeCall, UNIT};
use std::time::{Duration, Instant};
use subxt_signer::sr25519::Keypair;

/// The payers of the transfers around the upgrade (Alice signs the upgrade).
const PAYERS: [&str; 4] = ["Bob", "Charlie", "Dave", "Eve"];

/// One transfer of 1 UNIT from each payer to the next, at each payer's next nonce; waits until
/// the pool took them all.
async fn transfer_round(client: &NodeClient, payers: &[Keypair]) {
	let mut transfers = Vec::new();
	for (i, from) in payers.iter().enumerate() {
		let nonce = client.next_nonce(&account(from)).await.expect("a nonce");
		let to = account(&payers[(i + 1) % payers.len()]);
		transfers.push(Transfer { from, nonce, to, value: UNIT });
	}
	for result in client.submit_transfers(&transfers).await.expect("signed") {
		result.expect("the pool takes the transfer");
	}
}

/// `spec_version` of the runtime at the best (or, with `finalized`, the last finalized) block.
async fn spec_version(client: &NodeClient, finalized: bool) -> u64 {
	let at = if finalized {
		client.call("chain_getFinalizedHead", vec![]).await.expect("a finalized head")
	} else {
		serde_json::Value::Null
	};
	let version = client.call("state_getRuntimeVersion", vec![at]).await.expect("a version");
	version["specVersion"].as_u64().expect("specVersion")
}

/// Wait until the last finalized block runs `spec_version` (at most two minutes).
async fn wait_finalized_version(node: &TestNode, client: &NodeClient, spec_version_: u64) {
	let deadline = Instant::now() + Duration::from_secs(120);
	while spec_version(client, true).await != spec_version_ {
		assert!(
			Instant::now() < deadline,
			"spec_version {spec_version_} not finalized\n{}",
			node.tail()
		);
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

/// The last finalized nonce of each payer.
async fn finalized_nonces(client: &NodeClient, payers: &[Keypair]) -> Vec<u64> {
	let mut nonces = Vec::new();
	for payer in payers {
		nonces.push(client.finalized_nonce(&account(payer)).await.expect("a nonce"));
	}
	nonces
}

/// Wait until every payer's finalized nonce reaches `nonces` (at most two minutes).
async fn wait_nonces(node: &TestNode, client: &NodeClient, payers: &[Keypair], nonces: &[u64]) {
	let deadline = Instant::now() + Duration::from_secs(120);
	while finalized_nonces(client, payers)
		.await
		.iter()
		.zip(nonces)
		.any(|(now, want)| now < want)
	{
		assert!(Instant::now() < deadline, "transfers not finalized\n{}", node.tail());
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upgrade_by_sudo_runs_the_new_code_and_its_hot_keys_in_the_parallel_proposer() {
	// Compressed, as a release's `compact.compressed` blob is (a debug build's blob is not, and
	// would not fit a block).
	let next_release = sp_maybe_compressed_blob::compress_strongly(
		pex_runtime::next_release::WASM_BINARY.expect("the next release's blob is built"),
		sp_maybe_compressed_blob::CODE_BLOB_BOMB_LIMIT,
	)
	.expect("the blob compresses");
	let old_hot_keys = pex_runtime::parallel::hot_keys().len() as u64;
	let old_version = u64::from(pex_runtime::VERSION.spec_version);

	let dir = TestDir::new("upgrade");
	let author = dir.path().join("author");
	let mut node = TestNode::start(&author, &["--dev", "--exec-threads", "2"]);
	let client = node.client().await;
	node.wait_finalized(&client, 1, Duration::from_secs(120)).await;
	assert_eq!(spec_version(&client, false).await, old_version);

	// Given transfers in the pool, when Alice's sudo installs the next release (transfers signed
	// for the old version are invalid once the new one runs, so the next round waits for it).
	let payers: Vec<Keypair> =
		PAYERS.iter().map(|name| dev_key(name).expect("a dev key")).collect();
	let alice = dev_key("Alice").expect("Alice");
	transfer_round(&client, &payers).await;
	let set_code = RuntimeCall::System(frame_system::Call::set_code { code: next_release });
	let upgrade = RuntimeCall::Sudo(pallet_sudo::Call::sudo_unchecked_weight {
		call: Box::new(set_code),
		weight: sp_runtime::Weight::from_parts(500_000_000_000, 0),
	});
	let nonce = client.next_nonce(&account(&alice)).await.expect("a nonce");
	client
		.submit_call(&alice, nonce, &upgrade.encode())
		.await
		.expect("the pool takes the upgrade");

	// Then the chain reports the new version once the upgrade is finalized.
	wait_finalized_version(&node, &client, old_version + 1).await;
	assert_eq!(spec_version(&client, false).await, old_version + 1);

	// And transfers signed for the new version are built and finalized under it.
	transfer_round(&client, &payers).await;
	let submitted: Vec<u64> = {
		let mut nonces = Vec::new();
		for payer in &payers {
			nonces.push(client.next_nonce(&account(payer)).await.expect("a nonce"));
		}
		nonces
	};
	assert!(submitted.iter().all(|nonce| *nonce == 2), "two rounds: {submitted:?}");
	wait_nonces(&node, &client, &payers, &submitted).await;
	let last = client.finalized_number().await.expect("a block");
	node.wait_finalized(&client, last + 2, Duration::from_secs(60)).await;

	// The runtime itself declares one more hot key now.
	let hot_keys = client.state_call("ParallelExecutionApi_hot_keys", &[]).await.expect("a call");
	let hot_keys = Vec::<HotKey>::decode(&mut &hot_keys[..]).expect("hot keys");
	assert_eq!(hot_keys.len() as u64, old_hot_keys + 1);

	// pex built every block, each with the code and the hot keys of its parent's runtime: the
	// old ones up to the block holding the upgrade, the new ones after it.
	let stats = client.build_stats(1024).await.expect("pex_buildStats");
	let records: Vec<(u64, u64, u64, u64)> = stats
		.iter()
		.map(|record| {
			assert_eq!(record["builder"], "pex", "{record}");
			let field = |name: &str| record[name].as_u64().unwrap_or_else(|| panic!("{name}"));
			(field("number"), field("specVersion"), field("hotKeys"), field("extrinsics"))
		})
		.collect();
	let first_new = records
		.iter()
		.position(|(_, version, _, _)| *version == old_version + 1)
		.unwrap_or_else(|| panic!("no block built with the new runtime: {records:?}"));
	assert!(first_new > 0, "blocks before the upgrade: {records:?}");
	for (i, (number, version, keys, _)) in records.iter().enumerate() {
		let (want_version, want_keys) = if i < first_new {
			(old_version, old_hot_keys)
		} else {
			(old_version + 1, old_hot_keys + 1)
		};
		assert_eq!((*version, *keys), (want_version, want_keys), "block #{number}: {records:?}");
	}
	let upgraded_transfers: u64 = records[first_new..].iter().map(|r| r.3).sum();
	assert!(
		upgraded_transfers >= PAYERS.len() as u64,
		"transfers under the new runtime: {records:?}"
	);
	assert!(node
		.log()
		.contains(&format!("spec_version {} (was {old_version})", old_version + 1)));
	let metrics = node.metrics();
	assert!(
		metrics.lines().any(|line| line.starts_with("pex_runtime_spec_version{") &&
			line.ends_with(&format!(" {}", old_version + 1))),
		"{metrics}"
	);

	// And a node that executes every block itself, the upgrade included, agrees.
	drop(client);
	node.stop();
	let best = assert_imports_sequentially(dir.path(), &author);
	assert!(best >= records.last().map(|r| r.0).unwrap_or_default());
}
