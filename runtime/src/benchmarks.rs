//! The pallets whose benchmarks this runtime runs (`runtime-benchmarks`), for frame-omni-bencher.

frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, BaselineBench::<Runtime>]
	[frame_system, SystemBench::<Runtime>]
	[pallet_batch_deploy, BatchDeploy]
);
