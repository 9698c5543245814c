//! Which referendum periods the chain runs with, chosen by its genesis: a production chain
//! decides in days, a development chain within a few blocks. A pallet of this runtime (no
//! calls): its storage is read by the referendum tracks (`configs::governance::Tracks`).

pub use pallet::*;

#[frame_support::pallet]
pub mod pallet {
	use frame_support::pallet_prelude::*;

	/// The periods of the referendum tracks.
	#[derive(
		Clone,
		Copy,
		PartialEq,
		Eq,
		Debug,
		Default,
		Encode,
		Decode,
		DecodeWithMemTracking,
		MaxEncodedLen,
		TypeInfo,
		serde::Serialize,
		serde::Deserialize,
	)]
	pub enum GovernancePeriods {
		/// Days to decide, a day to confirm and to enact: what a chain with value on it needs.
		#[default]
		Production,
		/// A block or a few for each step: for `--dev` chains and tests.
		Development,
	}

	/// The pallet.
	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// Nothing beyond frame-system's.
	#[pallet::config]
	pub trait Config: frame_system::Config {}

	/// The periods the tracks use; production unless genesis chose otherwise.
	#[pallet::storage]
	pub type Periods<T> = StorageValue<_, GovernancePeriods, ValueQuery>;

	/// The periods a chain starts with.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Production or development periods.
		pub periods: GovernancePeriods,
		#[serde(skip)]
		#[doc(hidden)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			Periods::<T>::put(self.periods);
		}
	}
}
