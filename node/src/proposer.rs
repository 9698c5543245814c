//! The parallel proposer: how `pex-node` authors a block.
//!
//! [`PexProposerFactory`] is the `sp_consensus::Environment` Aura asks for a proposer on each
//! of its slots. Its [`PexProposer`]:
//!
//! 1. takes the transaction pool's ready extrinsics at the parent (waiting at most an eighth of the
//!    proposal time for the pool's view, as `sc-basic-authorship` does);
//! 2. builds the block with [`pex_block_builder`] on the parent's state and with the parent's
//!    runtime code (`:code`; compiled runtimes are cached by code hash, so the block after an
//!    upgrade runs the new code), with the builder's deadline at 90 % of the proposal time;
//! 3. reports the extrinsics the runtime refused (`Invalid`) or cannot read (`Malformed`) to the
//!    pool, which drops them; what did not fit, missed the deadline or failed stays in the pool for
//!    the next block;
//! 4. returns the block with the builder's storage changes, which Aura imports as they are
//!    (`StateAction::ApplyChanges`): the block is executed once.
//!
//! If the parallel build fails as a whole (a `BuildError`, a panic, an unreadable parent), the
//! proposer logs why, counts it (`pex_fallbacks_total{reason}`) and lets polkadot-sdk's stock
//! proposer build the block in the time that is left: pex never stalls the chain. With
//! `--parallel-exec off` the stock proposer builds every block.

use crate::{
	metrics::{left_out_label, BlockRecord, BuildLog, FallbackReason, LeftOutCounts, PexMetrics},
	service::{FullClient, FullPool},
};
use codec::Encode;
use futures::{channel::oneshot, future, FutureExt};
use log::{debug, info, warn};
use parking_lot::Mutex;
use pex_block_builder::{
	BlockInputs, BuildError, BuildOptions, BuiltBlock, LeftOutReason, ParallelBlockBuilder,
	WasmRuntime,
};
use pex_runtime::opaque::Block;
use sc_client_api::StorageProvider;
use sc_transaction_pool_api::{InPoolTransaction, TransactionPool, TxInvalidityReportMap};
use sp_api::CallApiAt;
use sp_consensus::{Proposal, ProposeArgs};
use sp_core::{storage::well_known_keys, H256};
use sp_runtime::traits::{Block as BlockT, ExtrinsicLike, Header as HeaderT};
use std::{
	future::Future,
	panic::{catch_unwind, AssertUnwindSafe},
	path::PathBuf,
	pin::Pin,
	sync::{
		atomic::{AtomicU32, Ordering},
		Arc,
	},
	time::{Duration, Instant},
};

const LOG_TARGET: &str = "pex";

/// How many compiled runtimes the proposer keeps: the current one and the one before an upgrade.
const CACHED_RUNTIMES: usize = 2;

/// What the operator chose on the command line.
#[derive(Clone, Debug)]
pub struct ProposerSettings {
	/// Build with pex (`--parallel-exec on`) or with the stock proposer only.
	pub parallel: bool,
	/// Threads of the builder (`--exec-threads`).
	pub threads: usize,
	/// Where each pex-built block's Chrome trace goes (`--exec-trace`).
	pub trace_dir: Option<PathBuf>,
	/// The block whose parallel build fails on purpose (`--exec-fail-block`, tests only).
	pub fail_block: Option<u32>,
}

/// Compiled runtimes by the blake2-256 hash of their code; the most recently used last.
#[derive(Default)]
struct RuntimeCache {
	runtimes: Mutex<Vec<(H256, Arc<WasmRuntime>)>>,
}

impl RuntimeCache {
	/// The compiled runtime of `code`, compiling it (outside the lock's hot path: once per
	/// upgrade) if it is not cached. `instances` bounds the concurrent calls into it.
	fn get(&self, code: Vec<u8>, instances: usize) -> Arc<WasmRuntime> {
		let hash = H256(sp_io::hashing::blake2_256(&code));
		let mut runtimes = self.runtimes.lock();
		if let Some(index) = runtimes.iter().position(|(cached, _)| *cached == hash) {
			let entry = runtimes.remove(index);
			let runtime = entry.1.clone();
			runtimes.push(entry);
			return runtime;
		}
		let runtime = Arc::new(WasmRuntime::new(code, instances));
		if runtimes.len() == CACHED_RUNTIMES {
			runtimes.remove(0);
		}
		runtimes.push((hash, runtime.clone()));
		runtime
	}
}

/// What every proposer of one factory shares.
struct Shared {
	client: Arc<FullClient>,
	pool: Arc<FullPool>,
	spawn: sc_service::SpawnTaskHandle,
	settings: ProposerSettings,
	runtimes: RuntimeCache,
	metrics: Option<PexMetrics>,
	log: Arc<BuildLog>,
	/// `spec_version` of the runtime of the last block pex built (0: none yet).
	last_spec_version: AtomicU32,
}

impl Shared {
	/// The parent's runtime code, compiled.
	fn runtime_at(&self, parent: H256) -> Result<Arc<WasmRuntime>, String> {
		let key = sp_core::storage::StorageKey(well_known_keys::CODE.to_vec());
		let code = self
			.client
			.storage(parent, &key)
			.map_err(|error| format!("reading :code: {error}"))?
			.ok_or_else(|| "the parent state has no :code".to_string())?;
		Ok(self.runtimes.get(code.0, self.settings.threads + 1))
	}

	/// Remember and count `record`.
	fn record(&self, record: BlockRecord) {
		if let Some(metrics) = &self.metrics {
			metrics.observe(&record);
		}
		self.log.push(record);
	}
}

/// Makes a [`PexProposer`] for each slot Aura authors in.
pub struct PexProposerFactory {
	stock: sc_basic_authorship::ProposerFactory<FullPool, FullClient>,
	shared: Arc<Shared>,
}

impl PexProposerFactory {
	/// A factory building with `settings`; `stock` builds when pex does not. `metrics` (if
	/// Prometheus is on) and `log` (the `pex_buildStats` RPC) receive a record of every block.
	pub fn new(
		client: Arc<FullClient>,
		pool: Arc<FullPool>,
		spawn: sc_service::SpawnTaskHandle,
		stock: sc_basic_authorship::ProposerFactory<FullPool, FullClient>,
		settings: ProposerSettings,
		metrics: Option<PexMetrics>,
		log: Arc<BuildLog>,
	) -> Self {
		let runtimes = RuntimeCache::default();
		Self {
			stock,
			shared: Arc::new(Shared {
				client,
				pool,
				spawn,
				settings,
				runtimes,
				metrics,
				log,
				last_spec_version: AtomicU32::new(0),
			}),
		}
	}

	/// Compile the runtime of block `at` now (asking it for its version), so the first block
	/// this node builds does not pay for the compilation.
	pub fn warm_up(&self, at: H256) {
		if !self.shared.settings.parallel {
			return;
		}
		let shared = self.shared.clone();
		self.shared
			.spawn
			.spawn_blocking("pex-warm-up", Some("block-authoring"), async move {
				let compiled = shared.runtime_at(at).and_then(|runtime| {
					let mut ext = sp_state_machine::BasicExternalities::new_empty();
					sc_executor::RuntimeVersionOf::runtime_version(
						runtime.executor(),
						&mut ext,
						&runtime.code(),
					)
					.map_err(|error| error.to_string())
				});
				match compiled {
					Ok(version) =>
						debug!(target: LOG_TARGET, "pex: compiled runtime {}", version.spec_version),
					Err(error) =>
						warn!(target: LOG_TARGET, "pex: cannot load the runtime at {at:?}: {error}"),
				}
			});
	}
}

impl sp_consensus::Environment<Block> for PexProposerFactory {
	type Proposer = PexProposer;
	type CreateProposer = future::Ready<Result<PexProposer, sp_blockchain::Error>>;
	type Error = sp_blockchain::Error;

	fn init(&mut self, parent: &<Block as BlockT>::Header) -> Self::CreateProposer {
		let stock = self.stock.init(parent).into_inner();
		future::ready(stock.map(|stock| PexProposer {
			stock,
			parent_hash: parent.hash(),
			number: *parent.number() + 1,
			shared: self.shared.clone(),
		}))
	}
}

/// Builds one block on one parent (see the module documentation).
pub struct PexProposer {
	stock: sc_basic_authorship::Proposer<Block, FullClient, FullPool>,
	parent_hash: H256,
	number: u32,
	shared: Arc<Shared>,
}

/// What of the proposal's arguments the parallel build uses (`ProposeArgs` itself is not `Sync`:
/// its extensions cannot cross an await of a `Send` future by reference).
struct Request {
	max_duration: Duration,
	block_size_limit: Option<usize>,
	digest: sp_runtime::Digest,
	inherent_data: sp_inherents::InherentData,
}

/// A block pex built and what the pool must learn from it.
struct Parallel {
	built: BuiltBlock<Block>,
	/// The pool hash of each candidate, by candidate position.
	hashes: Vec<H256>,
}

impl PexProposer {
	/// Try pex, then the stock proposer.
	async fn propose_parallel(
		self,
		mut args: ProposeArgs<Block>,
	) -> Result<Proposal<Block>, sp_blockchain::Error> {
		let started = Instant::now();
		let request = Request {
			max_duration: args.max_duration,
			block_size_limit: args.block_size_limit,
			digest: args.inherent_digests.clone(),
			inherent_data: args.inherent_data.clone(),
		};
		let fallback = match self.build(request, started).await {
			Ok(parallel) => return Ok(self.finish(parallel, started).await),
			Err(reason) => reason,
		};
		args.max_duration = args.max_duration.saturating_sub(started.elapsed());
		let (number, shared) = (self.number, self.shared.clone());
		let proposal = sp_consensus::Proposer::propose(self.stock, args).await?;
		shared.record(stock_record(number, &proposal.block, Some(fallback), started.elapsed()));
		Ok(proposal)
	}

	/// Build the block with pex; on failure, log and say why.
	async fn build(&self, args: Request, started: Instant) -> Result<Parallel, FallbackReason> {
		let (number, parent) = (self.number, self.parent_hash);
		let shared = &self.shared;
		if shared.settings.fail_block == Some(number) {
			warn!(target: LOG_TARGET, "pex: failing the build of block #{number} on purpose (--exec-fail-block); the stock proposer builds it");
			return Err(FallbackReason::Injected);
		}
		let ready = shared.pool.ready_at_with_timeout(parent, args.max_duration / 8).await;
		let (hashes, candidates): (Vec<H256>, Vec<_>) =
			ready.map(|tx| (*tx.hash(), (**tx.data()).clone())).unzip();

		let parent_state = |error: String| {
			warn!(target: LOG_TARGET, "pex: block #{number}: the parent {parent:?} cannot be read ({error}); the stock proposer builds the block");
			FallbackReason::ParentState
		};
		let state = shared.client.state_at(parent).map_err(|e| parent_state(e.to_string()))?;
		let runtime = shared.runtime_at(parent).map_err(parent_state)?;

		// Leave a tenth of the proposal time for sealing and import, as the stock proposer does.
		let budget = args.max_duration - args.max_duration / 10;
		// One lane per thread: chunks as long as they can be.
		let options = BuildOptions {
			threads: shared.settings.threads,
			lanes: shared.settings.threads,
			deadline: Some(budget.saturating_sub(started.elapsed())),
			trace: shared.settings.trace_dir.is_some(),
			model_lanes: Vec::new(),
		};
		let inputs: BlockInputs<Block> = BlockInputs {
			parent_hash: parent,
			number,
			digest: args.digest,
			inherent_data: args.inherent_data,
		};
		// The trie backend under the client's state wrapper (whose usage statistics are not
		// `Sync`): every builder thread reads it.
		let trie = sp_state_machine::backend::AsTrieBackend::as_trie_backend(&state);
		let build = || {
			ParallelBlockBuilder::with_runtime(runtime, options)?.build(trie, inputs, candidates)
		};
		let built = match catch_unwind(AssertUnwindSafe(build)) {
			Ok(Ok(built)) => built,
			Ok(Err(error)) => {
				warn!(target: LOG_TARGET, "pex: building block #{number} failed: {error}; the stock proposer builds it");
				return Err(match error {
					BuildError::UnsupportedRuntime { .. } => FallbackReason::UnsupportedRuntime,
					_ => FallbackReason::BuildError,
				});
			},
			Err(panic) => {
				let message = panic
					.downcast_ref::<&str>()
					.map(|s| s.to_string())
					.or_else(|| panic.downcast_ref::<String>().cloned())
					.unwrap_or_default();
				warn!(target: LOG_TARGET, "pex: the builder panicked on block #{number} (a bug): {message}; the stock proposer builds it");
				return Err(FallbackReason::Panic);
			},
		};
		if let Some(limit) = args.block_size_limit {
			let size = built.block.encoded_size();
			if size > limit {
				warn!(target: LOG_TARGET, "pex: block #{number} has {size} bytes, over the proposal's limit of {limit}; the stock proposer builds it");
				return Err(FallbackReason::SizeLimit);
			}
		}
		Ok(Parallel { built, hashes })
	}

	/// Report the refused extrinsics to the pool, write the trace, log and record the block.
	async fn finish(self, parallel: Parallel, started: Instant) -> Proposal<Block> {
		let Parallel { built, hashes } = parallel;
		let number = self.number;
		let mut left_out = LeftOutCounts::default();
		let mut invalid = TxInvalidityReportMap::default();
		for out in &built.left_out {
			left_out.add(&out.reason);
			let error = match &out.reason {
				LeftOutReason::Invalid(error) => Some(*error),
				LeftOutReason::Malformed(_) => None,
				_ => continue,
			};
			if let Some(hash) = hashes.get(out.position) {
				debug!(target: LOG_TARGET, "pex: dropping {hash:?} from the pool: {}", left_out_label(&out.reason));
				invalid.insert(*hash, error);
			}
		}
		if !invalid.is_empty() {
			self.shared.pool.report_invalid(Some(self.parent_hash), invalid).await;
		}
		if let (Some(dir), Some(trace)) = (&self.shared.settings.trace_dir, &built.trace) {
			let path = dir.join(format!("block-{number}.json"));
			if let Err(error) = std::fs::write(&path, trace.to_chrome_json()) {
				warn!(target: LOG_TARGET, "pex: cannot write the trace {}: {error}", path.display());
			}
		}

		let pre_hash = built.block.header().hash();
		let stats = &built.stats;
		let previous = self.shared.last_spec_version.swap(stats.spec_version, Ordering::Relaxed);
		if previous != stats.spec_version {
			let was = if previous == 0 { String::new() } else { format!(" (was {previous})") };
			info!(target: LOG_TARGET, "pex: block #{number} runs runtime spec_version {}{was} with {} hot keys", stats.spec_version, stats.hot_keys);
		}
		let elapsed = started.elapsed();
		info!(
			target: LOG_TARGET,
			"🎁 Prepared block for proposing at {number} ({} ms) hash: {pre_hash:?}; parent_hash: {:?}; extrinsics: {}, groups: {}, concurrency: {:.0} %, critical path: {:.0} %, re-executed: {}, threads: {}",
			elapsed.as_millis(),
			self.parent_hash,
			stats.extrinsics,
			stats.groups,
			stats.concurrency() * 100.0,
			stats.critical_path_share() * 100.0,
			stats.reexecuted_extrinsics,
			stats.threads,
		);
		self.shared.record(BlockRecord::pex(
			number,
			format!("{pre_hash:?}"),
			hashes.len(),
			stats,
			left_out,
			elapsed,
		));
		Proposal { block: built.block, storage_changes: built.storage_changes }
	}
}

/// The record of a block the stock proposer built: its signed extrinsics are what it carries
/// besides inherents (an unsigned transaction counts as neither).
fn stock_record(
	number: u32,
	block: &Block,
	fallback: Option<FallbackReason>,
	elapsed: Duration,
) -> BlockRecord {
	let signed = block
		.extrinsics()
		.iter()
		.filter(|xt| {
			codec::Decode::decode(&mut &xt.encode()[..])
				.is_ok_and(|xt: pex_runtime::UncheckedExtrinsic| !xt.is_bare())
		})
		.count();
	BlockRecord::stock(number, format!("{:?}", block.header().hash()), fallback, signed, elapsed)
}

impl sp_consensus::Proposer<Block> for PexProposer {
	type Error = sp_blockchain::Error;
	type Proposal = Pin<Box<dyn Future<Output = Result<Proposal<Block>, Self::Error>> + Send>>;

	fn propose(self, args: ProposeArgs<Block>) -> Self::Proposal {
		if !self.shared.settings.parallel {
			let (number, shared) = (self.number, self.shared.clone());
			return async move {
				let started = Instant::now();
				let proposal = sp_consensus::Proposer::propose(self.stock, args).await?;
				shared.record(stock_record(number, &proposal.block, None, started.elapsed()));
				Ok(proposal)
			}
			.boxed();
		}
		let (tx, rx) = oneshot::channel();
		let spawn = self.shared.spawn.clone();
		// Building blocks: a blocking task of its own, as the stock proposer's.
		spawn.spawn_blocking(
			"pex-proposer",
			Some("block-authoring"),
			async move {
				if tx.send(self.propose_parallel(args).await).is_err() {
					debug!(target: LOG_TARGET, "pex: the slot ended before the proposal was ready");
				}
			}
			.boxed(),
		);
		async move { rx.await? }.boxed()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_runtime_cache_compiles_each_code_once_and_keeps_the_last_two() {
		let cache = RuntimeCache::default();
		let (a, b, c) = (vec![0u8], vec![1u8], vec![2u8]);
		let first = cache.get(a.clone(), 1);
		assert!(Arc::ptr_eq(&first, &cache.get(a.clone(), 1)), "a cached code is reused");
		cache.get(b.clone(), 1);
		cache.get(a.clone(), 1); // a is now the most recent
		cache.get(c, 1); // evicts b, the least recent
		assert!(Arc::ptr_eq(&first, &cache.get(a, 1)));
		assert_eq!(cache.runtimes.lock().len(), CACHED_RUNTIMES);
		assert!(!cache
			.runtimes
			.lock()
			.iter()
			.any(|(hash, _)| *hash == H256(sp_io::hashing::blake2_256(&b))));
	}
}
