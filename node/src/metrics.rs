//! What the node tells operators about the blocks it builds: Prometheus metrics (prefix `pex_`)
//! and the build records of its most recent blocks ([`BuildLog`], behind the `pex_buildStats`
//! RPC).

use parking_lot::Mutex;
use pex_block_builder::{BuildStats, LeftOutReason};
use serde::Serialize;
use std::{collections::VecDeque, time::Duration};
use substrate_prometheus_endpoint::{
	exponential_buckets, linear_buckets, register, Counter, CounterVec, Gauge, Histogram,
	HistogramOpts, HistogramVec, Opts, PrometheusError, Registry, U64,
};

/// How many blocks [`BuildLog`] remembers.
pub const RECENT_BLOCKS: usize = 1_024;

/// Who built a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Builder {
	/// pex-block-builder.
	Pex,
	/// polkadot-sdk's stock proposer (`--parallel-exec off`, or a fallback).
	Stock,
}

/// Why the parallel proposer handed a block to the stock proposer. Each is a label value of
/// `pex_fallbacks_total{reason}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum FallbackReason {
	/// The builder returned a `BuildError` (see the log line for which).
	BuildError,
	/// The parent's runtime does not speak the builder's version of `ParallelExecutionApi`
	/// (`BuildError::UnsupportedRuntime`): a runtime older or newer than the node.
	UnsupportedRuntime,
	/// The builder panicked (a bug; the panic message is logged).
	Panic,
	/// The parent's runtime code or state could not be read.
	ParentState,
	/// The block exceeds the proposal's size limit.
	SizeLimit,
	/// `--exec-fail-block` asked for it (fault injection in tests).
	Injected,
}

impl FallbackReason {
	/// The metric label.
	pub fn label(self) -> &'static str {
		match self {
			Self::BuildError => "build_error",
			Self::UnsupportedRuntime => "unsupported_runtime",
			Self::Panic => "panic",
			Self::ParentState => "parent_state",
			Self::SizeLimit => "size_limit",
			Self::Injected => "injected",
		}
	}
}

/// The metric label of a left-out extrinsic's reason.
pub fn left_out_label(reason: &LeftOutReason) -> &'static str {
	match reason {
		LeftOutReason::DidNotFit => "did_not_fit",
		LeftOutReason::Invalid(_) => "invalid",
		LeftOutReason::Malformed(_) => "malformed",
		LeftOutReason::Failed(_) => "failed",
		LeftOutReason::Deadline => "deadline",
		LeftOutReason::OnlyInherents => "only_inherents",
	}
}

/// Time of each build phase, in milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PhaseMillis {
	/// Initialize, inherents and the post-inherent step.
	pub base: f64,
	/// Dispatch info, access sets and admission.
	pub admission: f64,
	/// The partition into groups.
	pub partition: f64,
	/// Parallel execution.
	pub execute: f64,
	/// Validation, merge and re-execution.
	pub commit: f64,
	/// Refill rounds.
	pub refill: f64,
	/// `finalize_block` and the storage changes.
	pub finalize: f64,
	/// The whole proposal, from asking the pool to the block.
	pub total: f64,
}

/// How many candidates were left out of a block, by reason.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LeftOutCounts {
	/// Did not fit the block's weight or length; stay in the pool.
	pub did_not_fit: usize,
	/// Refused by the runtime; reported to the pool, which drops them.
	pub invalid: usize,
	/// Unreadable by the runtime; reported to the pool, which drops them.
	pub malformed: usize,
	/// Failed in a way the builder could not place; stay in the pool.
	pub failed: usize,
	/// Not reached before the deadline; stay in the pool.
	pub deadline: usize,
	/// The runtime took inherents only (migrations); stay in the pool.
	pub only_inherents: usize,
}

impl LeftOutCounts {
	/// Each count with the label [`left_out_label`] gives its reason.
	pub fn by_label(&self) -> [(&'static str, usize); 6] {
		[
			("did_not_fit", self.did_not_fit),
			("invalid", self.invalid),
			("malformed", self.malformed),
			("failed", self.failed),
			("deadline", self.deadline),
			("only_inherents", self.only_inherents),
		]
	}

	/// Count one more candidate left out for `reason`.
	pub fn add(&mut self, reason: &LeftOutReason) {
		let count = match reason {
			LeftOutReason::DidNotFit => &mut self.did_not_fit,
			LeftOutReason::Invalid(_) => &mut self.invalid,
			LeftOutReason::Malformed(_) => &mut self.malformed,
			LeftOutReason::Failed(_) => &mut self.failed,
			LeftOutReason::Deadline => &mut self.deadline,
			LeftOutReason::OnlyInherents => &mut self.only_inherents,
		};
		*count += 1;
	}
}

/// What the node records of one block it authored (JSON of `pex_buildStats`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockRecord {
	/// The block's number.
	pub number: u32,
	/// The hash of the block's header before the seal (hex); the chain knows the block by its
	/// sealed hash, which the author's log line shows.
	pub pre_hash: String,
	/// Who built it.
	pub builder: Builder,
	/// Why the stock proposer built it, if pex was asked to and did not.
	pub fallback: Option<FallbackReason>,
	/// `spec_version` of the runtime pex built it with (the parent's `:code`); `None` if the
	/// stock proposer built it.
	pub spec_version: Option<u32>,
	/// Hot keys that runtime declared, which the merge used (0 if the stock proposer built it).
	pub hot_keys: usize,
	/// Candidates the pool offered.
	pub candidates: usize,
	/// Extrinsics in the block other than inherents.
	pub extrinsics: usize,
	/// Groups of the partition.
	pub groups: usize,
	/// Threads of the builder.
	pub threads: usize,
	/// Extrinsics whose parallel result was kept.
	pub parallel_extrinsics: usize,
	/// `parallel_extrinsics / extrinsics`: the kept share, not a measure of parallelism.
	pub kept_fraction: f64,
	/// Share of the parallel phase's lane time spent executing (`BuildStats::concurrency`).
	pub concurrency: f64,
	/// The admitted extrinsics' critical path over their weight
	/// (`BuildStats::critical_path_share`).
	pub critical_path_share: f64,
	/// Chunks executed again after validation.
	pub reexecuted_chunks: usize,
	/// Extrinsics of those chunks.
	pub reexecuted_extrinsics: usize,
	/// `reexecuted_chunks / chunks` of the parallel path.
	pub rollback_rate: f64,
	/// Refill rounds.
	pub refill_rounds: usize,
	/// Extrinsics the refill rounds added.
	pub refilled_extrinsics: usize,
	/// Phase times.
	pub phases_ms: PhaseMillis,
	/// Candidates left out, by reason.
	pub left_out: LeftOutCounts,
}

impl BlockRecord {
	/// The record of a block pex built.
	pub fn pex(
		number: u32,
		pre_hash: String,
		candidates: usize,
		stats: &BuildStats,
		left_out: LeftOutCounts,
		total: Duration,
	) -> Self {
		let ms = |d: Duration| d.as_secs_f64() * 1e3;
		Self {
			number,
			pre_hash,
			builder: Builder::Pex,
			fallback: None,
			spec_version: Some(stats.spec_version),
			hot_keys: stats.hot_keys,
			candidates,
			extrinsics: stats.extrinsics,
			groups: stats.groups,
			threads: stats.threads,
			parallel_extrinsics: stats.parallel_extrinsics,
			kept_fraction: stats.kept_fraction(),
			concurrency: stats.concurrency(),
			critical_path_share: stats.critical_path_share(),
			reexecuted_chunks: stats.reexecuted_chunks,
			reexecuted_extrinsics: stats.reexecuted_extrinsics,
			rollback_rate: stats.rollback_rate(),
			refill_rounds: stats.refill_rounds,
			refilled_extrinsics: stats.refilled_extrinsics,
			phases_ms: PhaseMillis {
				base: ms(stats.base),
				admission: ms(stats.admission),
				partition: ms(stats.partition),
				execute: ms(stats.execute),
				commit: ms(stats.commit),
				refill: ms(stats.refill),
				finalize: ms(stats.finalize),
				total: ms(total),
			},
			left_out,
		}
	}

	/// The record of a block the stock proposer built, with `extrinsics` non-inherent
	/// extrinsics.
	pub fn stock(
		number: u32,
		pre_hash: String,
		fallback: Option<FallbackReason>,
		extrinsics: usize,
		total: Duration,
	) -> Self {
		Self {
			number,
			pre_hash,
			builder: Builder::Stock,
			fallback,
			spec_version: None,
			hot_keys: 0,
			candidates: 0,
			extrinsics,
			groups: 0,
			threads: 1,
			parallel_extrinsics: 0,
			kept_fraction: 0.0,
			concurrency: 0.0,
			critical_path_share: 0.0,
			reexecuted_chunks: 0,
			reexecuted_extrinsics: 0,
			rollback_rate: 0.0,
			refill_rounds: 0,
			refilled_extrinsics: 0,
			phases_ms: PhaseMillis { total: total.as_secs_f64() * 1e3, ..Default::default() },
			left_out: LeftOutCounts::default(),
		}
	}
}

/// The records of the last [`RECENT_BLOCKS`] blocks this node authored, oldest first. Shared by
/// the proposer (writer) and the RPC (reader).
#[derive(Default)]
pub struct BuildLog {
	records: Mutex<VecDeque<BlockRecord>>,
}

impl BuildLog {
	/// Remember `record`, forgetting the oldest beyond [`RECENT_BLOCKS`].
	pub fn push(&self, record: BlockRecord) {
		let mut records = self.records.lock();
		if records.len() == RECENT_BLOCKS {
			records.pop_front();
		}
		records.push_back(record);
	}

	/// The last `count` records, oldest first (fewer if fewer blocks were authored).
	pub fn recent(&self, count: usize) -> Vec<BlockRecord> {
		let records = self.records.lock();
		records.iter().skip(records.len().saturating_sub(count)).cloned().collect()
	}
}

/// The `pex_` metrics. Registered once per process; clones share the same series.
#[derive(Clone)]
pub struct PexMetrics {
	blocks: CounterVec<U64>,
	fallbacks: CounterVec<U64>,
	extrinsics: Counter<U64>,
	groups: Histogram,
	kept_fraction: Histogram,
	concurrency: Histogram,
	critical_path_share: Histogram,
	reexecuted_chunks: Counter<U64>,
	reexecuted_extrinsics: Counter<U64>,
	rollback_rate: Histogram,
	refill_rounds: Counter<U64>,
	refilled_extrinsics: Counter<U64>,
	threads: Gauge<U64>,
	spec_version: Gauge<U64>,
	hot_keys: Gauge<U64>,
	phase_seconds: HistogramVec,
	left_out: CounterVec<U64>,
}

impl PexMetrics {
	/// Register the metrics in `registry`.
	pub fn register(registry: &Registry) -> Result<Self, PrometheusError> {
		let fraction = || linear_buckets(0.0, 0.1, 11);
		Ok(Self {
			blocks: register(
				CounterVec::new(
					Opts::new("pex_blocks_built_total", "Blocks this node authored, by builder"),
					&["builder"],
				)?,
				registry,
			)?,
			fallbacks: register(
				CounterVec::new(
					Opts::new(
						"pex_fallbacks_total",
						"Blocks the stock proposer built because the parallel build failed",
					),
					&["reason"],
				)?,
				registry,
			)?,
			extrinsics: register(
				Counter::new(
					"pex_extrinsics_total",
					"Extrinsics (not inherents) in blocks pex built",
				)?,
				registry,
			)?,
			groups: register(
				Histogram::with_opts(
					HistogramOpts::new("pex_groups", "Groups of the partition per block")
						.buckets(exponential_buckets(1.0, 2.0, 14)?),
				)?,
				registry,
			)?,
			kept_fraction: register(
				Histogram::with_opts(
					HistogramOpts::new(
						"pex_kept_fraction",
						"Share of a block's extrinsics whose parallel result was kept",
					)
					.buckets(fraction()?),
				)?,
				registry,
			)?,
			concurrency: register(
				Histogram::with_opts(
					HistogramOpts::new(
						"pex_concurrency",
						"Share of the parallel phase's lane time spent executing (busy / (threads x wall time))",
					)
					.buckets(fraction()?),
				)?,
				registry,
			)?,
			critical_path_share: register(
				Histogram::with_opts(
					HistogramOpts::new(
						"pex_critical_path_share",
						"Weight of the admitted extrinsics' longest chain of conflicts over their total weight",
					)
					.buckets(fraction()?),
				)?,
				registry,
			)?,
			reexecuted_chunks: register(
				Counter::new(
					"pex_reexecuted_chunks_total",
					"Chunks of the plan executed again after validation refused their parallel result",
				)?,
				registry,
			)?,
			reexecuted_extrinsics: register(
				Counter::new(
					"pex_reexecuted_extrinsics_total",
					"Extrinsics of the chunks executed again",
				)?,
				registry,
			)?,
			rollback_rate: register(
				Histogram::with_opts(
					HistogramOpts::new(
						"pex_rollback_rate",
						"Share of a block's chunks that were executed again",
					)
					.buckets(fraction()?),
				)?,
				registry,
			)?,
			refill_rounds: register(
				Counter::new("pex_refill_rounds_total", "Refill rounds after the first admission")?,
				registry,
			)?,
			refilled_extrinsics: register(
				Counter::new("pex_refilled_extrinsics_total", "Extrinsics added by refill rounds")?,
				registry,
			)?,
			threads: register(
				Gauge::new("pex_exec_threads", "Threads of the parallel builder")?,
				registry,
			)?,
			spec_version: register(
				Gauge::new(
					"pex_runtime_spec_version",
					"spec_version of the runtime the last pex-built block ran (rises after an upgrade)",
				)?,
				registry,
			)?,
			hot_keys: register(
				Gauge::new("pex_hot_keys", "Hot keys the runtime of the last pex-built block declared")?,
				registry,
			)?,
			phase_seconds: register(
				HistogramVec::new(
					HistogramOpts::new("pex_phase_seconds", "Time of each build phase per block")
						.buckets(exponential_buckets(0.000_25, 2.0, 16)?),
					&["phase"],
				)?,
				registry,
			)?,
			left_out: register(
				CounterVec::new(
					Opts::new("pex_left_out_total", "Candidates left out of a block, by reason"),
					&["reason"],
				)?,
				registry,
			)?,
		})
	}

	/// Count a block and everything its record says.
	pub fn observe(&self, record: &BlockRecord) {
		let builder = match record.builder {
			Builder::Pex => "pex",
			Builder::Stock => "stock",
		};
		self.blocks.with_label_values(&[builder]).inc();
		if let Some(reason) = record.fallback {
			self.fallbacks.with_label_values(&[reason.label()]).inc();
		}
		let phases = &record.phases_ms;
		let seconds = |ms: f64| ms / 1e3;
		self.phase_seconds.with_label_values(&["total"]).observe(seconds(phases.total));
		if record.builder == Builder::Stock {
			return;
		}
		self.extrinsics.inc_by(record.extrinsics as u64);
		self.groups.observe(record.groups as f64);
		self.kept_fraction.observe(record.kept_fraction);
		self.critical_path_share.observe(record.critical_path_share);
		if record.phases_ms.execute > 0.0 {
			self.concurrency.observe(record.concurrency);
		}
		self.reexecuted_chunks.inc_by(record.reexecuted_chunks as u64);
		self.reexecuted_extrinsics.inc_by(record.reexecuted_extrinsics as u64);
		self.rollback_rate.observe(record.rollback_rate);
		self.refill_rounds.inc_by(record.refill_rounds as u64);
		self.refilled_extrinsics.inc_by(record.refilled_extrinsics as u64);
		self.threads.set(record.threads as u64);
		if let Some(spec_version) = record.spec_version {
			self.spec_version.set(spec_version.into());
		}
		self.hot_keys.set(record.hot_keys as u64);
		for (phase, ms) in [
			("base", phases.base),
			("admission", phases.admission),
			("partition", phases.partition),
			("execute", phases.execute),
			("commit", phases.commit),
			("refill", phases.refill),
			("finalize", phases.finalize),
		] {
			self.phase_seconds.with_label_values(&[phase]).observe(seconds(ms));
		}
		for (reason, count) in record.left_out.by_label() {
			self.left_out.with_label_values(&[reason]).inc_by(count as u64);
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn record(number: u32) -> BlockRecord {
		BlockRecord::stock(number, String::new(), None, 0, Duration::ZERO)
	}

	#[test]
	fn the_build_log_keeps_the_most_recent_blocks_oldest_first() {
		let log = BuildLog::default();
		for number in 1..=(RECENT_BLOCKS as u32 + 5) {
			log.push(record(number));
		}
		let numbers: Vec<u32> = log.recent(3).iter().map(|r| r.number).collect();
		assert_eq!(
			numbers,
			vec![RECENT_BLOCKS as u32 + 3, RECENT_BLOCKS as u32 + 4, RECENT_BLOCKS as u32 + 5]
		);
		assert_eq!(log.recent(usize::MAX).len(), RECENT_BLOCKS);
		assert_eq!(log.recent(usize::MAX)[0].number, 6);
	}

	#[test]
	fn left_out_counts_and_labels_name_the_same_reason() {
		let reasons = [
			LeftOutReason::DidNotFit,
			LeftOutReason::Deadline,
			LeftOutReason::Deadline,
			LeftOutReason::Malformed("bytes".into()),
		];
		let mut counts = LeftOutCounts::default();
		reasons.iter().for_each(|reason| counts.add(reason));
		assert_eq!((counts.did_not_fit, counts.deadline, counts.malformed), (1, 2, 1));
		assert_eq!(counts.invalid + counts.failed + counts.only_inherents, 0);
		for reason in &reasons {
			let label = left_out_label(reason);
			let count = counts.by_label().iter().find(|(l, _)| *l == label).map(|(_, c)| *c);
			assert!(count > Some(0), "{label} counted under its own label");
		}
	}

	#[test]
	fn metrics_register_once_and_count_a_record() {
		let registry = Registry::new();
		let metrics = PexMetrics::register(&registry).expect("registers");
		assert!(PexMetrics::register(&registry).is_err(), "a second registration collides");
		let mut pex = record(1);
		pex.builder = Builder::Pex;
		pex.extrinsics = 7;
		pex.left_out.deadline = 2;
		pex.spec_version = Some(101);
		pex.hot_keys = 10;
		pex.phases_ms.execute = 5.0;
		pex.concurrency = 0.5;
		metrics.observe(&pex);
		let mut fallback = record(2);
		fallback.fallback = Some(FallbackReason::Injected);
		metrics.observe(&fallback);
		assert_eq!(metrics.extrinsics.get(), 7);
		assert_eq!(metrics.blocks.with_label_values(&["pex"]).get(), 1);
		assert_eq!(metrics.blocks.with_label_values(&["stock"]).get(), 1);
		assert_eq!(metrics.fallbacks.with_label_values(&["injected"]).get(), 1);
		assert_eq!(metrics.left_out.with_label_values(&["deadline"]).get(), 2);
		assert_eq!((metrics.spec_version.get(), metrics.hot_keys.get()), (101, 10));
		assert_eq!(metrics.concurrency.get_sample_count(), 1, "only blocks with a parallel phase");
		assert_eq!(metrics.concurrency.get_sample_sum(), 0.5);
	}

	#[test]
	fn the_grafana_dashboard_queries_only_metrics_the_node_registers() {
		let registry = Registry::new();
		let metrics = PexMetrics::register(&registry).expect("registers");
		let mut pex = record(1);
		pex.builder = Builder::Pex;
		metrics.observe(&pex);
		let mut fallback = record(2);
		fallback.fallback = Some(FallbackReason::BuildError);
		metrics.observe(&fallback);
		let registered: Vec<String> =
			registry.gather().iter().map(|f| f.get_name().to_string()).collect();
		let dashboard = include_str!("../../docs/grafana/pex-node.json");
		let mut queried = 0;
		for start in dashboard.match_indices("pex_").map(|(i, _)| i) {
			let name: String = dashboard[start..]
				.chars()
				.take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
				.collect();
			let base = name.strip_suffix("_bucket").unwrap_or(&name);
			assert!(registered.iter().any(|r| r == base), "the dashboard queries {name}");
			queried += 1;
		}
		assert!(queried >= 9, "the dashboard queries the pex_ metrics");
	}
}
