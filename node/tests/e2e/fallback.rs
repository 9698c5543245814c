//! A block pex fails to build is built by the stock proposer: the chain goes on, the block's
//! build record says why, and the fallback metric counts it.

use crate::common::{TestDir, TestNode};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_parallel_build_falls_back_to_the_stock_proposer_and_is_counted() {
	let dir = TestDir::new("fallback");
	let node = TestNode::start(&dir.path().join("node"), &["--dev", "--exec-fail-block", "3"]);
	let client = node.client().await;

	node.wait_finalized(&client, 4, Duration::from_secs(120)).await;

	let stats = client.build_stats(16).await.expect("pex_buildStats");
	let record = |number: u64| {
		stats
			.iter()
			.find(|s| s["number"].as_u64() == Some(number))
			.unwrap_or_else(|| panic!("no record of block {number}: {stats:?}"))
	};
	assert_eq!(record(3)["builder"], "stock");
	assert_eq!(record(3)["fallback"], "injected");
	for number in [2, 4] {
		assert_eq!(record(number)["builder"], "pex", "block {number}");
		assert!(record(number)["fallback"].is_null());
	}
	let metrics = node.metrics();
	let counted = metrics.lines().any(|line| {
		line.starts_with("pex_fallbacks_total{") &&
			line.contains("reason=\"injected\"") &&
			line.ends_with(" 1")
	});
	assert!(counted, "pex_fallbacks_total counts the fallback:\n{metrics}");
	assert!(node.log().contains("failing the build of block #3 on purpose"), "{}", node.tail());
}
