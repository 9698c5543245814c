//! `partition`, `ConflictDag::new` and `plan` (for 2 lanes, everything the builder's schedule
//! step computes) throughput: 10k and 100k transactions of 2..=10 storage keys each (keys of one
//! map, shaped like `frame_system::Account`'s: 80 bytes sharing their first 32), at low
//! contention (a key space 100 times the transaction count) and high contention (a key space a
//! tenth of it, so most transactions end up in one group). Target ([P1], [P8]): 100k in under
//! 50 ms.

#![allow(missing_docs, reason = "criterion_group! generates an undocumented public function")]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use pex_primitives::{partition, plan, AccessSet, ConflictDag};
use std::hint::black_box;

/// Bench `run` on the workloads of the module documentation, as benchmark group `name`.
fn bench_workloads<R>(c: &mut Criterion, name: &str, run: impl Fn(&[AccessSet]) -> R) {
	let mut group = c.benchmark_group(name);
	group.sample_size(20);
	for transactions in [10_000usize, 100_000] {
		for (contention, key_space) in
			[("low", 100 * transactions as u64), ("high", transactions as u64 / 10)]
		{
			let sets = pex_workloads::storage_keys(transactions, 2..=10, key_space, 42);
			group.throughput(Throughput::Elements(transactions as u64));
			group.bench_with_input(BenchmarkId::new(contention, transactions), &sets, |b, sets| {
				b.iter(|| run(black_box(sets)))
			});
		}
	}
	group.finish();
}

fn partition_bench(c: &mut Criterion) {
	bench_workloads(c, "partition", partition);
}

fn conflict_dag_bench(c: &mut Criterion) {
	bench_workloads(c, "conflict_dag", ConflictDag::new);
}

fn plan_bench(c: &mut Criterion) {
	// Costs like a block's weights: a transfer's 0.65 ms give or take a third, deterministic.
	let costs: Vec<u64> =
		(0..100_000u64).map(|i| 650_000_000 + (i * 7_919 % 433) * 1_000_000).collect();
	bench_workloads(c, "plan", |sets| plan(sets, &costs[..sets.len()], 2, 3_000_000_000));
}

criterion_group!(benches, partition_bench, conflict_dag_bench, plan_bench);
criterion_main!(benches);
