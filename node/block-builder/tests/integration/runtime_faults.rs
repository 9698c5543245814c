//! Faults of the runtime itself, injected through [`RuntimeCalls`]: traps and panics in a chunk,
//! in its re-execution and in the base, answers of the wrong length, answers that do not decode,
//! and a runtime of another `ParallelExecutionApi` version. A fault that hits a candidate costs
//! that candidate at most, never a wrong block; a fault outside every candidate fails the build
//! with an error naming the runtime function. Every block is built on 1, 2, 4 and 8 threads,
//! imported by the oracle (a stock node executing it on the parent state), and must be the same
//! block on every thread count; nothing a failed call wrote may reach it.

use crate::common::*;
use codec::{Codec, Decode, Encode};
use pex_block_builder::{
	BuildError, BuildOptions, BuiltBlock, LeftOutReason, ParallelBlockBuilder, RuntimeCalls,
	WasmRuntime, PARALLEL_EXECUTION_API_VERSION,
};
use pex_primitives::{ExtrinsicInfo, ParallelExecutionApi};
use pex_runtime::{Block, UncheckedExtrinsic, UNIT};
use sp_api::RuntimeApiInfo;
use sp_core::Hasher;
use sp_runtime::ApplyExtrinsicResult;
use sp_state_machine::{Backend, OverlayedChanges};
use sp_version::RuntimeVersion;
use std::sync::{
	atomic::{AtomicUsize, Ordering},
	Arc,
};

const APPLY_MANY: &str = "ParallelExecutionApi_apply_extrinsics";
const DESCRIBE: &str = "ParallelExecutionApi_describe";

/// A key a faulty call writes before it fails: no block may hold it.
const JUNK: &[u8] = b"pex-test:written-by-a-failed-call";

/// What an injected fault does to a call.
#[derive(Clone, Copy, Debug)]
enum Fault {
	/// Write [`JUNK`], then fail as a trap does.
	Trap,
	/// Write [`JUNK`], then panic (as the executor does on a failing read).
	Panic,
	/// Run the call, then answer one result fewer than asked for (a `Vec` answer of
	/// `apply_extrinsics` or `describe`).
	OneShort,
	/// Run the call, then answer bytes that decode as nothing.
	Garbage,
	/// Answer `Core_version` with `ParallelExecutionApi` at this version (`None`: without it).
	ApiVersion(Option<u32>),
}

/// Calls of `method` whose input holds `needle` (every call of it if `None`): after `skip` of
/// them, the next `times` get `fault`.
struct Rule {
	method: &'static str,
	needle: Option<Vec<u8>>,
	skip: usize,
	times: usize,
	fault: Fault,
}

impl Rule {
	fn new(method: &'static str, fault: Fault) -> Self {
		Self { method, needle: None, skip: 0, times: usize::MAX, fault }
	}

	/// Only calls whose input holds `xt`'s encoding.
	fn holding(self, xt: &UncheckedExtrinsic) -> Self {
		Self { needle: Some(xt.encode()), ..self }
	}

	/// Only the first `times` matching calls.
	fn times(self, times: usize) -> Self {
		Self { times, ..self }
	}
}

/// The pex runtime with a fault injected by a [`Rule`].
struct FaultyRuntime {
	inner: Arc<WasmRuntime>,
	rule: Rule,
	matched: AtomicUsize,
	injected: AtomicUsize,
}

impl FaultyRuntime {
	fn new(rule: Rule) -> Arc<Self> {
		let (matched, injected) = (AtomicUsize::new(0), AtomicUsize::new(0));
		Arc::new(Self { inner: runtime(), rule, matched, injected })
	}

	fn injected(&self) -> usize {
		self.injected.load(Ordering::SeqCst)
	}

	fn hits(&self, method: &str, input: &[u8]) -> bool {
		if method != self.rule.method {
			return false
		}
		if let Some(needle) = &self.rule.needle {
			if !input.windows(needle.len()).any(|window| window == &needle[..]) {
				return false
			}
		}
		let n = self.matched.fetch_add(1, Ordering::SeqCst);
		let hit = n >= self.rule.skip && n - self.rule.skip < self.rule.times;
		if hit {
			self.injected.fetch_add(1, Ordering::SeqCst);
		}
		hit
	}
}

/// `output`, a SCALE `Vec<T>`, without its last element.
fn one_short<T: Codec>(method: &'static str, output: Vec<u8>) -> Result<Vec<u8>, BuildError> {
	let mut results =
		Vec::<T>::decode(&mut &output[..]).map_err(|_| BuildError::Undecodable { method })?;
	results.pop();
	Ok(results.encode())
}

impl RuntimeCalls for FaultyRuntime {
	fn execute<H, B>(
		&self,
		backend: &B,
		overlay: &mut OverlayedChanges<H>,
		method: &'static str,
		input: &[u8],
	) -> Result<Vec<u8>, BuildError>
	where
		H: Hasher,
		H::Out: Ord + 'static + codec::Codec,
		B: Backend<H>,
	{
		if !self.hits(method, input) {
			return self.inner.execute(backend, overlay, method, input)
		}
		match self.rule.fault {
			Fault::Trap => {
				overlay.set_storage(JUNK.to_vec(), Some(vec![1]));
				Err(BuildError::Runtime { method, message: "injected trap".into() })
			},
			Fault::Panic => {
				overlay.set_storage(JUNK.to_vec(), Some(vec![2]));
				panic!("injected panic in {method}")
			},
			Fault::OneShort => {
				let output = self.inner.execute(backend, overlay, method, input)?;
				match method {
					APPLY_MANY => one_short::<ApplyExtrinsicResult>(method, output),
					DESCRIBE => one_short::<ExtrinsicInfo>(method, output),
					_ => panic!("no list answer to shorten in {method}"),
				}
			},
			Fault::Garbage => {
				self.inner.execute(backend, overlay, method, input)?;
				Ok(vec![0xff; 3])
			},
			Fault::ApiVersion(version) => {
				let output = self.inner.execute(backend, overlay, method, input)?;
				let mut runtime = RuntimeVersion::decode(&mut &output[..])
					.map_err(|_| BuildError::Undecodable { method })?;
				let id = <dyn ParallelExecutionApi<Block> as RuntimeApiInfo>::ID;
				let mut apis: Vec<_> =
					runtime.apis.iter().copied().filter(|(api, _)| *api != id).collect();
				apis.extend(version.map(|version| (id, version)));
				runtime.apis = apis.into();
				Ok(runtime.encode())
			},
		}
	}
}

/// Eight transfers between distinct pairs of accounts: two chunks of four on the test's two
/// lanes, in one phase.
fn eight_transfers(chain: &Chain) -> Vec<UncheckedExtrinsic> {
	(0..8).map(|i| chain.transfer(1 + 2 * i, 0, 2 + 2 * i, UNIT)).collect()
}

fn build(
	chain: &Chain,
	runtime: Arc<FaultyRuntime>,
	threads: usize,
	candidates: Vec<UncheckedExtrinsic>,
) -> Result<BuiltBlock<Block>, BuildError> {
	let options = BuildOptions { threads, lanes: TEST_LANES, ..Default::default() };
	let builder = ParallelBlockBuilder::with_runtime(runtime, options).expect("a builder");
	builder.build(&chain.state, chain.inputs(), candidates)
}

/// Check `built`: the oracle imports it, and nothing a failed call wrote is in it.
fn assert_sound(chain: &Chain, built: &BuiltBlock<Block>) {
	assert_imports(chain, built);
	let junk = built.storage_changes.main_storage_changes.iter().any(|(key, _)| key == JUNK);
	assert!(!junk, "a failed call's write reached the block");
}

/// Build `candidates` on 1, 2, 4 and 8 threads, each with a fresh runtime faulted by `rule()`;
/// every block is sound and all are one. Returns the blocks with the faults each build met.
fn build_everywhere(
	chain: &Chain,
	rule: impl Fn() -> Rule,
	candidates: &[UncheckedExtrinsic],
) -> Vec<(usize, BuiltBlock<Block>, usize)> {
	let mut built = Vec::new();
	for threads in [1, 2, 4, 8] {
		let runtime = FaultyRuntime::new(rule());
		let block = build(chain, runtime.clone(), threads, candidates.to_vec())
			.unwrap_or_else(|error| panic!("{threads} threads: the build fails: {error}"));
		assert_sound(chain, &block);
		built.push((threads, block, runtime.injected()));
	}
	let first = &built[0].1.block;
	for (threads, block, _) in &built {
		assert_eq!(&block.block, first, "{threads} threads build the 1-thread block");
	}
	built
}

/// The fault-free block of `candidates`, on two threads.
fn fault_free(chain: &Chain, candidates: &[UncheckedExtrinsic]) -> BuiltBlock<Block> {
	chain.build(2, candidates.to_vec())
}

fn left_out(built: &BuiltBlock<Block>) -> Vec<(usize, &LeftOutReason)> {
	built.left_out.iter().map(|l| (l.position, &l.reason)).collect()
}

#[test]
fn a_trap_or_panic_in_a_chunk_costs_a_re_execution_and_no_extrinsic() {
	let chain = Chain::new(20);
	let candidates = eight_transfers(&chain);
	let expected = fault_free(&chain, &candidates);
	for fault in [Fault::Trap, Fault::Panic] {
		// The first call holding the sixth transfer fails: on one thread the block's one run
		// (applied again in halves), on more the second chunk (run again on the merged state).
		let rule = || Rule::new(APPLY_MANY, fault).holding(&candidates[5]).times(1);
		for (threads, built, injected) in build_everywhere(&chain, rule, &candidates) {
			assert_eq!(injected, 1, "{fault:?}, {threads} threads");
			assert!(
				built.left_out.is_empty(),
				"{fault:?}, {threads} threads: {:?}",
				built.left_out
			);
			assert_eq!(built.block, expected.block, "{fault:?}: the fault-free block");
			if threads > 1 {
				assert_eq!(built.stats.chunks, 2, "{:?}", built.stats);
				assert_eq!(built.stats.reexecuted_chunks, 1, "{fault:?}: {:?}", built.stats);
				assert_eq!(built.stats.parallel_extrinsics, 4, "the first chunk is kept");
			}
		}
	}
}

#[test]
fn a_trap_or_panic_in_a_chunk_and_in_its_re_execution_costs_no_extrinsic() {
	let chain = Chain::new(20);
	let candidates = eight_transfers(&chain);
	let expected = fault_free(&chain, &candidates);
	for fault in [Fault::Trap, Fault::Panic] {
		// The chunk's run and its re-execution (the block's run and its first half, on one
		// thread) fail; the halves of the re-execution then succeed.
		let rule = || Rule::new(APPLY_MANY, fault).holding(&candidates[5]).times(2);
		for (threads, built, injected) in build_everywhere(&chain, rule, &candidates) {
			assert_eq!(injected, 2, "{fault:?}, {threads} threads");
			assert!(
				built.left_out.is_empty(),
				"{fault:?}, {threads} threads: {:?}",
				built.left_out
			);
			assert_eq!(built.block, expected.block, "{fault:?}: the fault-free block");
		}
	}
}

#[test]
fn an_extrinsic_that_always_traps_or_panics_is_left_out_alone() {
	let chain = Chain::new(20);
	let candidates = eight_transfers(&chain);
	for fault in [Fault::Trap, Fault::Panic] {
		let rule = || Rule::new(APPLY_MANY, fault).holding(&candidates[5]);
		for (threads, built, _) in build_everywhere(&chain, rule, &candidates) {
			let reasons = left_out(&built);
			assert_eq!(reasons.len(), 1, "{fault:?}, {threads} threads: {reasons:?}");
			assert_eq!(reasons[0].0, 5);
			assert!(matches!(reasons[0].1, LeftOutReason::Failed(_)), "{reasons:?}");
			assert_eq!(built.stats.extrinsics, 7, "{fault:?}, {threads} threads");
		}
	}
}

#[test]
fn an_answer_of_the_wrong_length_or_undecodable_is_a_failed_call_and_retried() {
	let chain = Chain::new(20);
	let candidates = eight_transfers(&chain);
	let expected = fault_free(&chain, &candidates);
	for fault in [Fault::OneShort, Fault::Garbage] {
		let rule = || Rule::new(APPLY_MANY, fault).holding(&candidates[5]).times(1);
		for (threads, built, injected) in build_everywhere(&chain, rule, &candidates) {
			assert_eq!(injected, 1, "{fault:?}, {threads} threads");
			assert!(
				built.left_out.is_empty(),
				"{fault:?}, {threads} threads: {:?}",
				built.left_out
			);
			assert_eq!(built.block, expected.block, "{fault:?}: the fault-free block");
		}
	}
}

#[test]
fn a_runtime_that_always_answers_one_short_gets_an_empty_block_not_a_wrong_one() {
	let chain = Chain::new(20);
	let candidates = eight_transfers(&chain);
	let rule = || Rule::new(APPLY_MANY, Fault::OneShort);
	for (threads, built, _) in build_everywhere(&chain, rule, &candidates) {
		assert_eq!(built.stats.extrinsics, 0, "{threads} threads");
		let failed = built.left_out.iter().filter(|l| matches!(l.reason, LeftOutReason::Failed(_)));
		assert_eq!(failed.count(), 8, "every candidate failed alone: {:?}", built.left_out);
	}
}

#[test]
fn a_describe_call_that_fails_once_is_split_and_costs_no_candidate() {
	let chain = Chain::new(20);
	let candidates = eight_transfers(&chain);
	let expected = fault_free(&chain, &candidates);
	for fault in [Fault::Trap, Fault::Panic, Fault::OneShort, Fault::Garbage] {
		let rule = || Rule::new(DESCRIBE, fault).holding(&candidates[5]).times(1);
		for (threads, built, injected) in build_everywhere(&chain, rule, &candidates) {
			assert_eq!(injected, 1, "{fault:?}, {threads} threads");
			assert!(
				built.left_out.is_empty(),
				"{fault:?}, {threads} threads: {:?}",
				built.left_out
			);
			assert_eq!(built.block, expected.block, "{fault:?}: the fault-free block");
		}
	}
}

#[test]
fn a_candidate_that_can_never_be_described_is_left_out_as_malformed_alone() {
	let chain = Chain::new(20);
	let candidates = eight_transfers(&chain);
	let rule = || Rule::new(DESCRIBE, Fault::Trap).holding(&candidates[2]);
	for (threads, built, _) in build_everywhere(&chain, rule, &candidates) {
		let reasons = left_out(&built);
		assert_eq!(reasons.len(), 1, "{threads} threads: {reasons:?}");
		assert_eq!(reasons[0].0, 2);
		assert!(matches!(reasons[0].1, LeftOutReason::Malformed(_)), "{reasons:?}");
	}
}

#[test]
fn a_fault_in_the_base_or_in_finalize_fails_the_build_naming_the_call() {
	let chain = Chain::new(20);
	let candidates = eight_transfers(&chain);
	let sites = [
		"Core_version",
		"Core_initialize_block",
		"BlockBuilder_inherent_extrinsics",
		"BlockBuilder_apply_extrinsic",
		"ParallelExecutionApi_inherents_applied",
		"ParallelExecutionApi_hot_keys",
		"ParallelExecutionApi_block_capacity",
		"BlockBuilder_finalize_block",
	];
	for site in sites {
		for fault in [Fault::Trap, Fault::Panic, Fault::Garbage] {
			for threads in [1, 2, 4, 8] {
				let runtime = FaultyRuntime::new(Rule::new(site, fault));
				let result = build(&chain, runtime.clone(), threads, candidates.clone());
				assert!(runtime.injected() >= 1, "{site} was called");
				match (fault, result) {
					(Fault::Garbage, Err(BuildError::Undecodable { method })) =>
						assert_eq!(method, site),
					(Fault::Trap, Err(BuildError::Runtime { method, message })) => {
						assert_eq!(method, site);
						assert!(message.contains("injected trap"), "{message}");
					},
					(Fault::Panic, Err(BuildError::Runtime { method, message })) => {
						assert_eq!(method, site);
						assert!(message.contains("panicked: injected panic"), "{message}");
					},
					(fault, result) => panic!(
						"{site}, {fault:?}, {threads} threads: {:?}",
						result.map(|built| built.stats)
					),
				}
			}
		}
	}
}

#[test]
fn a_runtime_of_another_api_version_is_refused_with_an_error_not_misread() {
	let chain = Chain::new(20);
	let candidates = eight_transfers(&chain);
	let other = PARALLEL_EXECUTION_API_VERSION + 1;
	for found in [None, Some(other)] {
		for threads in [1, 2] {
			let runtime = FaultyRuntime::new(Rule::new("Core_version", Fault::ApiVersion(found)));
			match build(&chain, runtime, threads, candidates.clone()) {
				Err(BuildError::UnsupportedRuntime { spec_version, found: f, expected }) => {
					assert_eq!(spec_version, pex_runtime::VERSION.spec_version);
					assert_eq!((f, expected), (found, PARALLEL_EXECUTION_API_VERSION));
				},
				other => panic!("{found:?}: {:?}", other.map(|built| built.stats)),
			}
		}
	}
	// The version the builder speaks is the one the runtime declares.
	let same = Rule::new("Core_version", Fault::ApiVersion(Some(PARALLEL_EXECUTION_API_VERSION)));
	let built = build(&chain, FaultyRuntime::new(same), 2, candidates).expect("builds");
	assert_eq!(built.stats.extrinsics, 8);
	assert_sound(&chain, &built);
}
