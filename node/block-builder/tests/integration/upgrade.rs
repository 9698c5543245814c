//! A block that upgrades the runtime: `sudo(set_code)` between transfers. `set_code` reads the
//! new blob's version through the executor (`sp_io::misc::runtime_version`), as every client's
//! calls allow; the builder's calls must too, or the upgrade could never be included.

use crate::common::*;
use pex_runtime::{RuntimeCall, UNIT};
use sp_state_machine::Backend;

/// The next release's blob, compressed as a release blob is.
fn next_release() -> Vec<u8> {
	sp_maybe_compressed_blob::compress_strongly(
		pex_runtime::next_release::WASM_BINARY.expect("the next release's blob is built"),
		sp_maybe_compressed_blob::CODE_BLOB_BOMB_LIMIT,
	)
	.expect("the blob compresses")
}

#[test]
fn an_upgrade_between_transfers_is_built_on_every_thread_count_and_stores_the_new_code() {
	let mut chain = Chain::new(5);
	let code = next_release();
	let upgrade = RuntimeCall::Sudo(pallet_sudo::Call::sudo_unchecked_weight {
		call: Box::new(RuntimeCall::System(frame_system::Call::set_code { code: code.clone() })),
		weight: sp_runtime::Weight::from_parts(500_000_000_000, 0),
	});
	let candidates = vec![
		chain.transfer(1, 0, 2, UNIT),
		chain.signed(0, 0, upgrade),
		chain.transfer(3, 0, 4, UNIT),
	];
	let sequential = chain.build(1, candidates.clone());
	assert!(sequential.left_out.is_empty(), "{:?}", sequential.left_out);
	assert_eq!(sequential.stats.extrinsics, 3);
	assert_imports(&chain, &sequential);
	let built = chain.build(2, candidates);
	assert_eq!(built.block, sequential.block, "the same block on 2 threads");
	assert_imports(&chain, &built);

	chain.push_block(built);
	let stored = chain.state.storage(sp_core::storage::well_known_keys::CODE).expect("readable");
	assert_eq!(stored, Some(code), "the block stored the next release's code");
}
