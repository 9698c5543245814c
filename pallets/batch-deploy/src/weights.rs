//! Weights for `pallet_batch_deploy`.
//!
//! NOT YET GENERATED. These are hand-written, deliberately high estimates in the shape
//! `frame-omni-bencher` generates, because benchmarking needs a runtime and `pex-runtime` is
//! built by issue \[P3\]. Once it exists, regenerate this file on the reference machine with:
//!
//! ```sh
//! cargo build --release -p pex-runtime --features runtime-benchmarks
//! frame-omni-bencher v1 benchmark pallet \
//!   --runtime target/release/wbuild/pex-runtime/pex_runtime.wasm \
//!   --pallet pallet_batch_deploy --extrinsic '*' --steps 50 --repeat 20 \
//!   --template .maintain/frame-weight-template.hbs \
//!   --output pallets/batch-deploy/src/weights.rs
//! ```
//!
//! Storage: `BatchDeploy::Limits` (r:1 w:0), `BatchDeploy::Deployments` (r:0 w:c). The work of
//! the contract engine is not included: the pallet charges `MaxDeployWeight` per contract on top
//! and refunds what the engine did not use.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{Weight, constants::RocksDbWeight}};
use core::marker::PhantomData;

/// Weight functions needed for `pallet_batch_deploy`.
pub trait WeightInfo {
	fn batch_deploy(c: u32, b: u32, e: u32, ) -> Weight;
	fn deploy(b: u32, ) -> Weight;
	fn validate(c: u32, b: u32, e: u32, ) -> Weight;
	fn set_limits() -> Weight;
}

/// Weights for `pallet_batch_deploy` using the Substrate node and recommended hardware.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// The range of component `c` is `[1, 64]`.
	/// The range of component `b` is `[0, 4194304]`.
	/// The range of component `e` is `[0, 1024]`.
	fn batch_deploy(c: u32, b: u32, e: u32, ) -> Weight {
		Weight::from_parts(50_000_000, 1_500)
			.saturating_add(Weight::from_parts(30_000_000, 2_000).saturating_mul(c.into()))
			.saturating_add(Weight::from_parts(3_000, 0).saturating_mul(b.into()))
			.saturating_add(Weight::from_parts(2_000_000, 0).saturating_mul(e.into()))
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(c.into())))
	}
	/// The range of component `b` is `[0, 65536]`.
	fn deploy(b: u32, ) -> Weight {
		Weight::from_parts(80_000_000, 3_500)
			.saturating_add(Weight::from_parts(3_000, 0).saturating_mul(b.into()))
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	/// The range of component `c` is `[1, 64]`.
	/// The range of component `b` is `[0, 4194304]`.
	/// The range of component `e` is `[0, 1024]`.
	fn validate(c: u32, b: u32, e: u32, ) -> Weight {
		Weight::from_parts(20_000_000, 1_500)
			.saturating_add(Weight::from_parts(10_000_000, 0).saturating_mul(c.into()))
			.saturating_add(Weight::from_parts(3_000, 0).saturating_mul(b.into()))
			.saturating_add(Weight::from_parts(2_000_000, 0).saturating_mul(e.into()))
			.saturating_add(T::DbWeight::get().reads(1_u64))
	}
	fn set_limits() -> Weight {
		Weight::from_parts(15_000_000, 0)
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
}

// For backwards compatibility and tests.
impl WeightInfo for () {
	fn batch_deploy(c: u32, b: u32, e: u32, ) -> Weight {
		Weight::from_parts(50_000_000, 1_500)
			.saturating_add(Weight::from_parts(30_000_000, 2_000).saturating_mul(c.into()))
			.saturating_add(Weight::from_parts(3_000, 0).saturating_mul(b.into()))
			.saturating_add(Weight::from_parts(2_000_000, 0).saturating_mul(e.into()))
			.saturating_add(RocksDbWeight::get().reads(1_u64))
			.saturating_add(RocksDbWeight::get().writes((1_u64).saturating_mul(c.into())))
	}
	fn deploy(b: u32, ) -> Weight {
		Weight::from_parts(80_000_000, 3_500)
			.saturating_add(Weight::from_parts(3_000, 0).saturating_mul(b.into()))
			.saturating_add(RocksDbWeight::get().reads(1_u64))
			.saturating_add(RocksDbWeight::get().writes(1_u64))
	}
	fn validate(c: u32, b: u32, e: u32, ) -> Weight {
		Weight::from_parts(20_000_000, 1_500)
			.saturating_add(Weight::from_parts(10_000_000, 0).saturating_mul(c.into()))
			.saturating_add(Weight::from_parts(3_000, 0).saturating_mul(b.into()))
			.saturating_add(Weight::from_parts(2_000_000, 0).saturating_mul(e.into()))
			.saturating_add(RocksDbWeight::get().reads(1_u64))
	}
	fn set_limits() -> Weight {
		Weight::from_parts(15_000_000, 0)
			.saturating_add(RocksDbWeight::get().writes(1_u64))
	}
}
