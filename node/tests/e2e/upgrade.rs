//! A runtime upgrade through governance on a running `pex-node --dev`, under transfer load, with
//! the parallel proposer building every block:
//! - the chain holds the previous release's state (pallet-batch-deploy at storage version 0 with
//!   limits governance lowered, put there by sudo's `set_storage`, as release 103 left it);
//! - a referendum on the Root track authorizes the next release's hash
//!   (`System::authorize_upgrade`, inline), its decision deposit placed, six accounts vote aye; a
//!   second referendum, authorizing another blob, is voted down by the same accounts;
//! - once the first is enacted, the other blob is refused by the pool, and the next release (this
//!   runtime built with `increment-spec-version`: `spec_version` one higher, one more hot key) is
//!   applied by an unsigned `apply_authorized_upgrade`;
//! - blocks keep coming under the new version, its migration moved the limits to storage version 1,
//!   the proposer built with the new code and its hot keys, the voted-down referendum changed
//!   nothing, and the chain imports on a node that executes every block itself.

use crate::common::{assert_imports_sequentially, TestDir, TestNode};
use codec::{Decode, Encode};
use frame_support::traits::{schedule::DispatchTime, Bounded, StorageVersion};
use pallet_batch_deploy::{migrations::v1::BatchLimitsV0, BatchLimits, Limits};
use pex_bench::load::{account, dev_key, from_hex, to_hex, NodeClient, Transfer};
use pex_primitives::HotKey;
use pex_runtime::{BatchDeploy, OriginCaller, Runtime, RuntimeCall, UncheckedExtrinsic, UNIT};
use sp_core::H256;
use std::{
	sync::{
		atomic::{AtomicBool, AtomicU64, Ordering},
		Arc,
	},
	time::{Duration, Instant},
};
use subxt_signer::sr25519::Keypair;

/// The payers of the transfer load (one transfer each to the next, every second).
const PAYERS: [&str; 4] = ["Bob", "Charlie", "Dave", "Eve"];
/// The voters besides Alice, who submits both referenda.
const VOTERS: [&str; 5] = ["Ferdie", "Alice//stash", "Bob//stash", "Charlie//stash", "Dave//stash"];
/// The limits governance had lowered under release 103, in its encoding.
const LOWERED: BatchLimitsV0 = BatchLimitsV0 {
	max_contracts: 4,
	max_code_len: 10_000,
	max_name_len: 32,
	max_dependencies: 3,
	max_input_len: 1_024,
};

/// Transfers from [`PAYERS`] in the background until stopped, each signed for the runtime
/// version the node reports at the time (those that land across the upgrade are refused by the
/// pool and not counted). On a thread of its own, with its own async runtime.
struct TransferLoad {
	stop: Arc<AtomicBool>,
	accepted: Arc<AtomicU64>,
	thread: std::thread::JoinHandle<()>,
}

impl TransferLoad {
	fn start(url: String) -> Self {
		let stop = Arc::new(AtomicBool::new(false));
		let accepted = Arc::new(AtomicU64::new(0));
		let (stop_, accepted_) = (stop.clone(), accepted.clone());
		let runtime = tokio::runtime::Builder::new_current_thread()
			.enable_all()
			.build()
			.expect("an async runtime for the load");
		let thread = std::thread::spawn(move || runtime.block_on(transfers(url, stop_, accepted_)));
		Self { stop, accepted, thread }
	}

	/// Stop; how many transfers the pool took.
	fn stop(self) -> u64 {
		self.stop.store(true, Ordering::Relaxed);
		self.thread.join().expect("the load thread ends");
		self.accepted.load(Ordering::Relaxed)
	}
}

/// One transfer from each of [`PAYERS`] to the next every second until `stop`, counting those
/// the pool took in `accepted`.
async fn transfers(url: String, stop: Arc<AtomicBool>, accepted: Arc<AtomicU64>) {
	let client = NodeClient::connect(&url).await.expect("the load connects");
	let payers: Vec<Keypair> =
		PAYERS.iter().map(|name| dev_key(name).expect("a dev key")).collect();
	while !stop.load(Ordering::Relaxed) {
		for (i, from) in payers.iter().enumerate() {
			let Ok(nonce) = client.next_nonce(&account(from)).await else { continue };
			let to = account(&payers[(i + 1) % payers.len()]);
			let transfer = Transfer { from, nonce, to, value: UNIT };
			if let Ok(results) = client.submit_transfers(&[transfer]).await {
				let ok = results.iter().filter(|result| result.is_ok()).count() as u64;
				accepted.fetch_add(ok, Ordering::Relaxed);
			}
		}
		tokio::time::sleep(Duration::from_secs(1)).await;
	}
}

/// `spec_version` of the runtime at the best (or, with `finalized`, the last finalized) block.
async fn spec_version(client: &NodeClient, finalized: bool) -> u64 {
	let at = at(client, finalized).await;
	let version = client.call("state_getRuntimeVersion", vec![at]).await.expect("a version");
	version["specVersion"].as_u64().expect("specVersion")
}

/// The hash of the last finalized block as a JSON parameter, or null (the best block).
async fn at(client: &NodeClient, finalized: bool) -> serde_json::Value {
	if finalized {
		client.call("chain_getFinalizedHead", vec![]).await.expect("a finalized head")
	} else {
		serde_json::Value::Null
	}
}

/// The value at `key` of the best (or last finalized) block's state, if any.
async fn storage(client: &NodeClient, key: &[u8], finalized: bool) -> Option<Vec<u8>> {
	let at = at(client, finalized).await;
	let key = serde_json::Value::String(format!("0x{}", to_hex(key)));
	let value = client.call("state_getStorage", vec![key, at]).await.expect("state_getStorage");
	value.as_str().map(|hex| from_hex(hex).expect("hex"))
}

/// Wait (at most two minutes) until `done` holds of the chain.
async fn wait_until<F: std::future::Future<Output = bool>>(
	node: &TestNode,
	what: &str,
	mut done: impl FnMut() -> F,
) {
	let deadline = Instant::now() + Duration::from_secs(120);
	while !done().await {
		assert!(Instant::now() < deadline, "{what}: not within two minutes\n{}", node.tail());
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

/// `System::authorize_upgrade(hash)`, inline (no preimage).
fn authorize(hash: H256) -> Bounded<RuntimeCall, sp_runtime::traits::BlakeTwo256> {
	let call = RuntimeCall::System(frame_system::Call::authorize_upgrade { code_hash: hash });
	Bounded::Inline(call.encode().try_into().expect("authorize_upgrade is small"))
}

/// A referendum on the Root track authorizing `hash`.
fn submit(hash: H256) -> RuntimeCall {
	RuntimeCall::Referenda(pallet_referenda::Call::submit {
		proposal_origin: Box::new(OriginCaller::system(frame_system::RawOrigin::Root)),
		proposal: authorize(hash),
		enactment_moment: DispatchTime::After(1),
	})
}

/// A vote on referendum `index`, aye or nay, of `balance` with conviction 1x.
fn vote(index: u32, aye: bool, balance: u128) -> RuntimeCall {
	use pallet_conviction_voting::{AccountVote, Conviction, Vote};
	RuntimeCall::ConvictionVoting(pallet_conviction_voting::Call::vote {
		poll_index: index,
		vote: AccountVote::Standard {
			vote: Vote { aye, conviction: Conviction::Locked1x },
			balance,
		},
	})
}

/// Sign `calls` by `who` with consecutive nonces and submit them.
async fn submit_all(client: &NodeClient, who: &Keypair, calls: &[RuntimeCall]) {
	let first = client.next_nonce(&account(who)).await.expect("a nonce");
	for (nonce, call) in (first..).zip(calls) {
		client
			.submit_call(who, nonce, &call.encode())
			.await
			.unwrap_or_else(|error| panic!("the pool takes {call:?}: {error}"));
	}
}

/// Submit `call` as an unsigned extrinsic; the pool's answer.
async fn submit_unsigned(client: &NodeClient, call: RuntimeCall) -> Result<(), String> {
	let xt: UncheckedExtrinsic = sp_runtime::generic::UncheckedExtrinsic::new_bare(call).into();
	let hex = serde_json::Value::String(format!("0x{}", to_hex(&xt.encode())));
	client
		.call("author_submitExtrinsic", vec![hex])
		.await
		.map(|_| ())
		.map_err(|error| error.to_string())
}

/// Whether referendum `index` ended rejected, at the last finalized block.
async fn rejected(client: &NodeClient, index: u32) -> bool {
	let key = pallet_referenda::ReferendumInfoFor::<Runtime>::hashed_key_for(index);
	storage(client, &key, true).await.is_some_and(|raw| {
		matches!(
			pallet_referenda::ReferendumInfoOf::<Runtime, ()>::decode(&mut &raw[..]),
			Ok(pallet_referenda::ReferendumInfo::Rejected(..))
		)
	})
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upgrade_by_referendum_migrates_and_runs_the_new_code_and_hot_keys_in_the_proposer() {
	// Compressed, as a release's `compact.compressed` blob is (a debug build's blob is not, and
	// would not fit a block).
	let next_release = sp_maybe_compressed_blob::compress_strongly(
		pex_runtime::next_release::WASM_BINARY.expect("the next release's blob is built"),
		sp_maybe_compressed_blob::CODE_BLOB_BOMB_LIMIT,
	)
	.expect("the blob compresses");
	let hash = H256(sp_io::hashing::blake2_256(&next_release));
	let other_blob = [next_release.as_slice(), b"!"].concat();
	let other_hash = H256(sp_io::hashing::blake2_256(&other_blob));
	let old_hot_keys = pex_runtime::parallel::hot_keys().len() as u64;
	let old_version = u64::from(pex_runtime::VERSION.spec_version);
	let version_key = StorageVersion::storage_key::<BatchDeploy>();
	let limits_key = Limits::<Runtime>::hashed_key();
	let authorized_key = frame_support::storage::storage_prefix(b"System", b"AuthorizedUpgrade");

	let dir = TestDir::new("upgrade");
	let author = dir.path().join("author");
	let mut node =
		TestNode::start(&author, &["--dev", "--exec-threads", "2", "--parallel-exec", "on"]);
	let client = node.client().await;
	node.wait_finalized(&client, 1, Duration::from_secs(120)).await;
	assert_eq!(spec_version(&client, false).await, old_version);
	let load = TransferLoad::start(node.url());

	// Given the previous release's state: pallet-batch-deploy at storage version 0, holding
	// lowered limits in the old encoding.
	let alice = dev_key("Alice").expect("Alice");
	let previous_state = RuntimeCall::System(frame_system::Call::set_storage {
		items: vec![(version_key.to_vec(), 0u16.encode()), (limits_key.to_vec(), LOWERED.encode())],
	});
	// When Alice submits two referenda on the Root track (0: the next release's hash, 1: another
	// blob's) with their decision deposits, and six accounts vote aye on 0 and nay on 1.
	let mut alices = vec![
		RuntimeCall::Sudo(pallet_sudo::Call::sudo { call: Box::new(previous_state) }),
		submit(hash),
		submit(other_hash),
		RuntimeCall::Referenda(pallet_referenda::Call::place_decision_deposit { index: 0 }),
		RuntimeCall::Referenda(pallet_referenda::Call::place_decision_deposit { index: 1 }),
	];
	alices.extend([vote(0, true, 500_000 * UNIT), vote(1, false, 500_000 * UNIT)]);
	submit_all(&client, &alice, &alices).await;
	for voter in VOTERS {
		let voter = dev_key(voter).expect("a dev key");
		submit_all(
			&client,
			&voter,
			&[vote(0, true, 900_000 * UNIT), vote(1, false, 900_000 * UNIT)],
		)
		.await;
	}
	wait_until(&node, "the previous release's state", || async {
		storage(&client, &version_key, true).await == Some(0u16.encode())
	})
	.await;

	// Then referendum 0 is enacted: the next release's hash is authorized.
	wait_until(&node, "the upgrade authorized", || async {
		storage(&client, &authorized_key, false).await.is_some()
	})
	.await;
	let authorized = storage(&client, &authorized_key, false).await.expect("an authorization");
	let (authorized_hash, _check_version) =
		<(H256, bool)>::decode(&mut &authorized[..]).expect("CodeUpgradeAuthorization");
	assert_eq!(authorized_hash, hash);

	// And a blob of another hash (the one voted down) is refused, with the pool's reason.
	let refused = submit_unsigned(
		&client,
		RuntimeCall::System(frame_system::Call::apply_authorized_upgrade { code: other_blob }),
	)
	.await
	.expect_err("another blob must be refused");
	assert!(refused.contains("Invalid Transaction (1010)"), "{refused}");

	// When anyone submits the authorized blob, unsigned.
	submit_unsigned(
		&client,
		RuntimeCall::System(frame_system::Call::apply_authorized_upgrade {
			code: next_release.clone(),
		}),
	)
	.await
	.expect("the pool takes the authorized blob");

	// Then the chain runs the new version, and its migration moved the limits to version 1.
	wait_until(&node, "the new version finalized", || async {
		spec_version(&client, true).await == old_version + 1
	})
	.await;
	// (The first block under the new code runs the migrations, in its initialization.)
	wait_until(&node, "the migration", || async {
		storage(&client, &version_key, true).await == Some(1u16.encode())
	})
	.await;
	let limits = storage(&client, &limits_key, true).await.expect("limits");
	let limits = BatchLimits::decode(&mut &limits[..]).expect("version 1 limits");
	assert_eq!(limits, LOWERED.migrate(16 * 48 * 1024));
	assert_eq!(limits.max_batch_code_len, 40_000);
	assert_eq!(storage(&client, b":code", true).await, Some(next_release));
	assert_eq!(storage(&client, &authorized_key, true).await, None);

	// And the voted-down referendum ends rejected, having changed nothing.
	wait_until(&node, "referendum 1 rejected", || rejected(&client, 1)).await;
	assert_eq!(storage(&client, &authorized_key, true).await, None);
	assert_eq!(spec_version(&client, true).await, old_version + 1);

	// And transfers keep being built and finalized under the new version.
	let upgraded = client.finalized_number().await.expect("a block");
	node.wait_finalized(&client, upgraded + 3, Duration::from_secs(60)).await;
	let accepted = load.stop();
	let last = client.finalized_number().await.expect("a block");
	node.wait_finalized(&client, last + 1, Duration::from_secs(60)).await;

	// The runtime itself declares one more hot key now.
	let hot_keys = client.state_call("ParallelExecutionApi_hot_keys", &[]).await.expect("a call");
	let hot_keys = Vec::<HotKey>::decode(&mut &hot_keys[..]).expect("hot keys");
	assert_eq!(hot_keys.len() as u64, old_hot_keys + 1);

	// pex built every block, each with the code and the hot keys of its parent's runtime: the
	// old ones up to the block holding the upgrade, the new ones after it; transfers on both
	// sides.
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
	let before: u64 = records[..first_new].iter().map(|r| r.3).sum();
	let after: u64 = records[first_new..].iter().map(|r| r.3).sum();
	assert!(before > 0 && after >= PAYERS.len() as u64, "transfers: {records:?}");
	assert!(accepted >= PAYERS.len() as u64, "the pool took {accepted} transfers");
	let log = node.log();
	assert!(log.contains(&format!("spec_version {} (was {old_version})", old_version + 1)));
	// What the README tells operators to look for: the migration, logged by the runtime.
	assert!(
		log.contains("VersionedMigration migrating storage version from 0 to 1"),
		"{}",
		node.tail()
	);
	let metrics = node.metrics();
	assert!(
		metrics.lines().any(|line| line.starts_with("pex_runtime_spec_version{") &&
			line.ends_with(&format!(" {}", old_version + 1))),
		"{metrics}"
	);

	// And a node that executes every block itself, the upgrade and its migration included,
	// agrees.
	drop(client);
	node.stop();
	let best = assert_imports_sequentially(dir.path(), &author);
	assert!(best >= records.last().map(|r| r.0).unwrap_or_default());
}
