//! Chain parameters governance sets without Root: the call setting the block's compute time
//! ([`BlockComputeMillis`](crate::configs::BlockComputeMillis)), which Root or a referendum on the
//! `parameters` track ([`crate::origins::Origin::Parameters`]) may make; the batch limits
//! (`BatchDeploy::set_limits`) take the same origins. A pallet of this runtime.

pub use pallet::*;

#[frame_support::pallet]
pub mod pallet {
	use crate::configs::{BlockComputeMillis, BLOCK_COMPUTE_MILLIS_RANGE};
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;

	/// The pallet.
	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// Who may set parameters.
	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// Root or [`crate::origins::Origin::Parameters`] in this runtime.
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;
	}

	/// Events of this pallet.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// The block's compute time changed, at once: what is left of this block and every later
		/// block may hold this much.
		BlockComputeMillisSet {
			/// Milliseconds of compute per block.
			millis: u64,
		},
	}

	/// Errors of this pallet.
	#[pallet::error]
	pub enum Error<T> {
		/// The compute time is outside `BLOCK_COMPUTE_MILLIS_RANGE` (100 ms to 60 s).
		ComputeMillisOutOfRange,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Set the compute time of a block, in milliseconds: frame-system's `max_block` weight,
		/// at once (for what is left of the block that dispatches it, then for every block).
		///
		/// ## Dispatch Origin
		///
		/// Root, or a referendum on the `parameters` track.
		///
		/// ## Errors
		///
		/// [`Error::ComputeMillisOutOfRange`] outside 100 ms to 60 s.
		///
		/// ## Events
		///
		/// [`Event::BlockComputeMillisSet`].
		/// Weighed as its one storage write (the origin and range checks and the event cost a
		/// fraction of that; the call has no benchmark).
		#[pallet::call_index(0)]
		#[pallet::weight(T::DbWeight::get().writes(1))]
		pub fn set_block_compute_millis(origin: OriginFor<T>, millis: u64) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			ensure!(
				BLOCK_COMPUTE_MILLIS_RANGE.contains(&millis),
				Error::<T>::ComputeMillisOutOfRange
			);
			BlockComputeMillis::set(&millis);
			Self::deposit_event(Event::BlockComputeMillisSet { millis });
			Ok(())
		}
	}
}
