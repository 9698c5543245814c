//! # pex-bench
//!
//! Workload generators and the throughput harness of pex.
//!
//! Today it holds the deterministic workload generators ([`workload`]), the criterion benchmark
//! of `pex_primitives::partition` (`benches/partition.rs`), and the `pex-bench partition` demo
//! that `make run` starts. The sequential-versus-parallel block-building harness, with its
//! thread and contention sweeps, arrives with issue \[P5\].

pub mod workload;
