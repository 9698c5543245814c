//! The origins referenda of tracks other than Root dispatch with, and the checks calls use to
//! accept them. A pallet of this runtime (no calls, no storage), as Polkadot's custom origins.
//!
//! - [`Origin::Parameters`]: a referendum on the `parameters` track passed. Accepted by
//!   `BatchDeploy::set_limits` and `Parameters::set_block_compute_millis`, nothing else.
//! - [`Origin::WhitelistedCaller`]: a referendum on the `whitelisted_caller` track passed. Accepted
//!   by `Whitelist::dispatch_whitelisted_call*`, which dispatch as Root a call the technical
//!   committee whitelisted: the fast track for fixes.

pub use pallet::*;

#[frame_support::pallet]
pub mod pallet {
	use frame_support::pallet_prelude::*;

	/// The pallet.
	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// Nothing beyond frame-system's.
	#[pallet::config]
	pub trait Config: frame_system::Config {}

	/// What an enacted referendum of a track other than Root dispatches with.
	#[pallet::origin]
	#[derive(
		Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
	)]
	pub enum Origin {
		/// A referendum on the `parameters` track passed: may set chain parameters.
		Parameters,
		/// A referendum on the `whitelisted_caller` track passed: may dispatch a call the
		/// technical committee whitelisted.
		WhitelistedCaller,
	}
}

/// An `EnsureOrigin` that succeeds for one [`Origin`] only (combine it with `EnsureRoot` in an
/// `EitherOf` for calls Root may make too).
macro_rules! ensure_origin {
	($(#[$doc:meta])* $name:ident = $variant:ident) => {
		$(#[$doc])*
		pub struct $name;

		impl<O> frame_support::traits::EnsureOrigin<O> for $name
		where
			O: Into<Result<Origin, O>> + From<Origin>,
		{
			type Success = ();

			fn try_origin(origin: O) -> Result<(), O> {
				origin.into().and_then(|origin| match origin {
					Origin::$variant => Ok(()),
					other => Err(O::from(other)),
				})
			}

			#[cfg(feature = "runtime-benchmarks")]
			fn try_successful_origin() -> Result<O, ()> {
				Ok(O::from(Origin::$variant))
			}
		}
	};
}

ensure_origin!(
	/// Succeeds for [`Origin::Parameters`] only.
	EnsureParameters = Parameters
);
ensure_origin!(
	/// Succeeds for [`Origin::WhitelistedCaller`] only.
	EnsureWhitelistedCaller = WhitelistedCaller
);
