//! Storage migrations of the batch deployment pallet, one module per storage version.
//!
//! A runtime lists the migration to each version its chains have not reached yet in its
//! `Migrations` (frame-executive's `OnRuntimeUpgrade`); each runs once, when the pallet's on-chain
//! storage version is the one it migrates from, and sets the next.

use crate::{BatchLimits, Config, Limits, Pallet, LOG_TARGET};
use codec::{Decode, Encode, MaxEncodedLen};
use core::marker::PhantomData;
use frame_support::{
	migrations::VersionedMigration,
	traits::{Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
};
use scale_info::TypeInfo;

/// Version 0 to 1 ([`Limits`] keeps its key): [`BatchLimits`] gains `max_batch_code_len`, the most
/// code one batch may hold.
///
/// Limits governance stored under version 0 get `max_contracts x max_code_len` for it (capped at
/// `Config::MaxBatchCodeLen`), so every batch the chain accepted before is accepted after. Absent
/// limits stay absent (the `Config` constants apply). A stored value that does not decode as
/// version 0 limits was already ignored (reads fell back to the constants); it is removed, which
/// keeps that.
pub mod v1 {
	use super::*;

	/// [`BatchLimits`] as storage version 0 encoded them.
	#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
	pub struct BatchLimitsV0 {
		/// Most contracts in one batch.
		pub max_contracts: u32,
		/// Most bytes of code per contract.
		pub max_code_len: u32,
		/// Most bytes of a contract's name.
		pub max_name_len: u32,
		/// Most dependencies per contract.
		pub max_dependencies: u32,
		/// Most bytes of a constructor input.
		pub max_input_len: u32,
	}

	impl BatchLimitsV0 {
		/// The same limits in version 1: a batch may hold `max_contracts` contracts of
		/// `max_code_len` bytes, as before, unless `ceiling` (the `Config` constant) is lower.
		pub fn migrate(self, ceiling: u32) -> BatchLimits {
			BatchLimits {
				max_contracts: self.max_contracts,
				max_code_len: self.max_code_len,
				max_name_len: self.max_name_len,
				max_dependencies: self.max_dependencies,
				max_input_len: self.max_input_len,
				max_batch_code_len: self
					.max_contracts
					.saturating_mul(self.max_code_len)
					.min(ceiling),
			}
		}
	}

	/// The migration without its version check; only [`MigrateV0ToV1`] runs it.
	pub struct UncheckedMigrateV0ToV1<T>(PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for UncheckedMigrateV0ToV1<T> {
		fn on_runtime_upgrade() -> Weight {
			let ceiling = T::MaxBatchCodeLen::get();
			let translated = Limits::<T>::translate::<BatchLimitsV0, _>(|old| {
				old.map(|old| old.migrate(ceiling))
			});
			match translated {
				Ok(Some(limits)) =>
					log::info!(target: LOG_TARGET, "limits migrated to version 1: {limits:?}"),
				Ok(None) => log::info!(target: LOG_TARGET, "no limits stored: nothing to migrate"),
				Err(()) => {
					log::warn!(target: LOG_TARGET, "undecodable version 0 limits removed");
					Limits::<T>::kill();
				},
			}
			T::DbWeight::get().reads_writes(1, 1)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
			// Undecodable counts as absent, as the migration treats it.
			let old: Option<BatchLimitsV0> =
				frame_support::storage::unhashed::get(&Limits::<T>::hashed_key());
			Ok(old.encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let old = Option::<BatchLimitsV0>::decode(&mut &state[..])
				.map_err(|_| "pre_upgrade's state does not decode")?;
			let expected = old.map(|old| old.migrate(T::MaxBatchCodeLen::get()));
			let raw = frame_support::storage::unhashed::get_raw(&Limits::<T>::hashed_key());
			let now = match raw {
				Some(raw) => Some(
					BatchLimits::decode(&mut &raw[..])
						.map_err(|_| "limits do not decode as version 1")?,
				),
				None => None,
			};
			frame_support::ensure!(now == expected, "limits not migrated as version 0 held them");
			frame_support::ensure!(
				now.is_none_or(|limits| limits.within(&Pallet::<T>::max_limits())),
				"migrated limits exceed the Config constants"
			);
			Ok(())
		}
	}

	/// Storage version 0 to 1, once: runs only while the on-chain version is 0, then sets 1.
	pub type MigrateV0ToV1<T> = VersionedMigration<
		0,
		1,
		UncheckedMigrateV0ToV1<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

#[cfg(test)]
mod tests {
	use super::v1::{BatchLimitsV0, MigrateV0ToV1};
	use crate::{mock::*, BatchLimits, Limits, Pallet};
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};

	/// Limits governance lowered under version 0.
	const OLD: BatchLimitsV0 = BatchLimitsV0 {
		max_contracts: 3,
		max_code_len: 100,
		max_name_len: 8,
		max_dependencies: 2,
		max_input_len: 64,
	};

	/// A chain as storage version 0 left it, holding `limits`.
	fn version_0(limits: Option<BatchLimitsV0>) {
		StorageVersion::new(0).put::<Pallet<Test>>();
		Limits::<Test>::kill();
		if let Some(limits) = limits {
			// The same key, the old encoding.
			frame_support::storage::unhashed::put(&Limits::<Test>::hashed_key(), &limits);
		}
	}

	fn on_chain_version() -> StorageVersion {
		Pallet::<Test>::on_chain_storage_version()
	}

	#[test]
	fn stored_limits_gain_a_batch_code_limit_that_keeps_every_old_batch_valid() {
		ExtBuilder::default().build().execute_with(|| {
			version_0(Some(OLD));
			MigrateV0ToV1::<Test>::on_runtime_upgrade();
			let limits = Limits::<Test>::get().expect("migrated limits");
			assert_eq!(
				limits,
				BatchLimits {
					max_contracts: 3,
					max_code_len: 100,
					max_name_len: 8,
					max_dependencies: 2,
					max_input_len: 64,
					max_batch_code_len: 300,
				}
			);
			assert_eq!(on_chain_version(), 1);
			assert_eq!(Pallet::<Test>::limits(), limits);
		});
	}

	#[test]
	fn the_batch_code_limit_never_exceeds_its_constant() {
		ExtBuilder::default().build().execute_with(|| {
			let wide = BatchLimitsV0 {
				max_contracts: MaxContracts::get(),
				max_code_len: MaxCodeLen::get(),
				..OLD
			};
			version_0(Some(wide));
			MigrateV0ToV1::<Test>::on_runtime_upgrade();
			let limits = Limits::<Test>::get().expect("migrated limits");
			assert_eq!(limits.max_batch_code_len, MaxBatchCodeLen::get());
			assert!(MaxContracts::get() * MaxCodeLen::get() > MaxBatchCodeLen::get());
			assert!(limits.within(&Pallet::<Test>::max_limits()));
		});
	}

	#[test]
	fn absent_limits_stay_absent() {
		ExtBuilder::default().build().execute_with(|| {
			version_0(None);
			MigrateV0ToV1::<Test>::on_runtime_upgrade();
			assert_eq!(Limits::<Test>::get(), None);
			assert_eq!(on_chain_version(), 1);
		});
	}

	#[test]
	fn undecodable_limits_are_removed() {
		ExtBuilder::default().build().execute_with(|| {
			version_0(None);
			frame_support::storage::unhashed::put_raw(&Limits::<Test>::hashed_key(), &[1, 2, 3]);
			MigrateV0ToV1::<Test>::on_runtime_upgrade();
			assert!(!Limits::<Test>::exists());
			assert_eq!(on_chain_version(), 1);
		});
	}

	#[test]
	fn it_runs_once() {
		ExtBuilder::default().build().execute_with(|| {
			version_0(Some(OLD));
			MigrateV0ToV1::<Test>::on_runtime_upgrade();
			let once = sp_io::storage::root(sp_runtime::StateVersion::V1);
			MigrateV0ToV1::<Test>::on_runtime_upgrade();
			assert_eq!(sp_io::storage::root(sp_runtime::StateVersion::V1), once);
		});
	}

	#[test]
	fn a_new_chain_starts_at_version_1() {
		ExtBuilder::default().build().execute_with(|| {
			assert_eq!(on_chain_version(), 1);
			assert_eq!(Pallet::<Test>::in_code_storage_version(), 1);
		});
	}

	#[cfg(feature = "try-runtime")]
	#[test]
	fn try_runtime_checks_pass_on_a_version_0_chain() {
		ExtBuilder::default().build().execute_with(|| {
			version_0(Some(OLD));
			MigrateV0ToV1::<Test>::try_on_runtime_upgrade(true).expect("checks pass");
			assert_eq!(on_chain_version(), 1);
		});
	}

	#[cfg(feature = "try-runtime")]
	#[test]
	fn try_runtime_checks_catch_a_wrong_migration() {
		use super::v1::UncheckedMigrateV0ToV1;
		use frame_support::traits::UncheckedOnRuntimeUpgrade;
		ExtBuilder::default().build().execute_with(|| {
			version_0(Some(OLD));
			let state = UncheckedMigrateV0ToV1::<Test>::pre_upgrade().expect("pre_upgrade");
			// A migration that forgot what governance set: the constants instead.
			Limits::<Test>::put(Pallet::<Test>::max_limits());
			assert!(UncheckedMigrateV0ToV1::<Test>::post_upgrade(state).is_err());
		});
	}
}
