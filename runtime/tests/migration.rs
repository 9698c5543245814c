//! This release's storage migrations ([`pex_runtime::Migrations`]) through try-runtime's entry
//! point, `TryRuntime_on_runtime_upgrade` (called natively, as the runtime API implements it),
//! against state snapshots of a chain that ran the previous release: pallet-batch-deploy at
//! storage version 0 with limits governance lowered.
//!
//! Built only with the feature `try-runtime` (`make test` runs it so, without the WASM blob:
//! `SKIP_WASM_BUILD=1 cargo nextest run -p pex-runtime --features try-runtime --test migration`).

#![cfg(feature = "try-runtime")]

#[path = "integration/common/mod.rs"]
mod common;

use codec::Encode;
use frame_support::traits::{GetStorageVersion, StorageVersion};
use frame_try_runtime::{runtime_decl_for_try_runtime::TryRuntimeV1, UpgradeCheckSelect};
use pallet_batch_deploy::{migrations::v1::BatchLimitsV0, BatchLimits, Limits};
use pex_runtime::{BatchDeploy, Block, Runtime};
use sp_runtime::StateVersion;

/// The limits a chain of release 103 had lowered by governance, as it encoded them.
const LOWERED: BatchLimitsV0 = BatchLimitsV0 {
	max_contracts: 4,
	max_code_len: 10_000,
	max_name_len: 32,
	max_dependencies: 3,
	max_input_len: 1_024,
};

/// A snapshot (sp-state-machine's raw trie, what try-runtime-cli stores) of a development chain
/// as the previous release left it: pallet-batch-deploy at storage version 0, holding `limits`
/// (raw bytes at the key of `Limits`), if any.
fn previous_release(limits: Option<Vec<u8>>) -> sp_io::TestExternalities {
	let mut chain = common::development();
	chain.execute_with(|| {
		StorageVersion::new(0).put::<BatchDeploy>();
		if let Some(limits) = &limits {
			sp_io::storage::set(&Limits::<Runtime>::hashed_key(), limits);
		}
	});
	chain.commit_all().expect("the changes commit");
	let (raw, root) = chain.into_raw_snapshot();
	sp_io::TestExternalities::from_raw_snapshot(raw, root, StateVersion::V1)
}

/// `TryRuntime_on_runtime_upgrade` with every check (pre/post_upgrade, decoding the whole state,
/// every pallet's try_state), as `try-runtime on-runtime-upgrade` runs it; its error if it fails.
fn try_upgrade() -> Result<(), String> {
	std::panic::catch_unwind(|| {
		<Runtime as TryRuntimeV1<Block>>::on_runtime_upgrade(UpgradeCheckSelect::All);
	})
	.map_err(|panic| {
		panic
			.downcast_ref::<String>()
			.cloned()
			.or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
			.unwrap_or_default()
	})
}

#[test]
fn the_upgrade_migrates_lowered_limits_and_passes_every_check() {
	previous_release(Some(LOWERED.encode())).execute_with(|| {
		assert_eq!(try_upgrade(), Ok(()));
		assert_eq!(BatchDeploy::on_chain_storage_version(), 1);
		assert_eq!(
			Limits::<Runtime>::get(),
			Some(BatchLimits {
				max_contracts: 4,
				max_code_len: 10_000,
				max_name_len: 32,
				max_dependencies: 3,
				max_input_len: 1_024,
				max_batch_code_len: 40_000,
			})
		);
		// Run again (a chain upgrading to the next release): nothing left to migrate.
		let once = sp_io::storage::root(StateVersion::V1);
		assert_eq!(try_upgrade(), Ok(()));
		assert_eq!(sp_io::storage::root(StateVersion::V1), once);
	});
}

#[test]
fn a_chain_without_lowered_limits_upgrades_to_version_1() {
	previous_release(None).execute_with(|| {
		assert_eq!(try_upgrade(), Ok(()));
		assert_eq!(BatchDeploy::on_chain_storage_version(), 1);
		assert_eq!(Limits::<Runtime>::get(), None);
	});
}

#[test]
fn without_the_migration_the_state_does_not_decode() {
	// A snapshot at version 1 already, holding limits in the old encoding: the migration is
	// skipped, and try-runtime's decoding of the whole state finds the bad value.
	let mut chain = previous_release(Some(LOWERED.encode()));
	chain.execute_with(|| {
		StorageVersion::new(1).put::<BatchDeploy>();
		let error = try_upgrade().expect_err("the old encoding must not pass");
		assert!(error.contains("`try_decode_entire_state` failed"), "{error}");
	});
}

#[test]
fn limits_above_this_release_constants_fail_the_checks() {
	// A chain whose limits exceed the constants (a release that lowered one) fails post_upgrade
	// and try_state: the upgrade must come with a migration that lowers them first.
	let above = BatchLimitsV0 { max_contracts: 1_000, ..LOWERED };
	previous_release(Some(above.encode())).execute_with(|| {
		let error = try_upgrade().expect_err("limits above the constants must not pass");
		assert!(error.contains("migrated limits exceed the Config constants"), "{error}");
	});
}
