//! pex-block-builder against sc-block-builder's sequential `BlockBuilder`: same runtime (its
//! WASM through one `WasmExecutor`), same parent state, same extrinsics, block building
//! including the state root.
//!
//! `cargo bench -p pex-block-builder --bench versus_stock`
//!
//! - `transfers`: 1,000 transfers among 10,000 accounts, each from a different sender.
//! - `all_conflict`: 1,000 transfers that all pay one shared account (one group).

#![allow(missing_docs, reason = "criterion_group! generates an undocumented public function")]

#[path = "../tests/common/mod.rs"]
mod common;

use codec::Encode;
use common::{runtime, Chain};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use pex_block_builder::{BuildOptions, ParallelBlockBuilder, WasmRuntime};
use pex_runtime::{apis::RuntimeApi, Block, Hash, UncheckedExtrinsic, UNIT};
use sc_block_builder::BlockBuilderBuilder;
use sp_api::{
	ApiError, ApiRef, CallApiAt, CallApiAtParams, ConstructRuntimeApi, ProvideRuntimeApi,
};
use sp_core::traits::CallContext;
use sp_externalities::Extensions;
use sp_runtime::traits::BlakeTwo256;
use sp_state_machine::{StateMachine, TrieBackend, TrieBackendBuilder};
use sp_trie::PrefixedMemoryDB;
use std::{sync::Arc, time::Duration};

/// The parent state as a node holds it: a trie over a node store behind an `Arc`.
type State = TrieBackend<Arc<dyn sp_state_machine::Storage<BlakeTwo256>>, BlakeTwo256>;

/// A node store in memory.
struct MemoryStore(PrefixedMemoryDB<BlakeTwo256>);

impl sp_state_machine::Storage<BlakeTwo256> for MemoryStore {
	fn get(
		&self,
		key: &Hash,
		prefix: (&[u8], Option<u8>),
	) -> Result<Option<sp_trie::DBValue>, sp_state_machine::DefaultError> {
		Ok(sp_trie::HashDB::get(&self.0, key, prefix))
	}
}

/// The client sc-block-builder needs: runtime calls over the parent state, as a node's client
/// makes them (`StateMachine` with the WASM executor).
struct StockClient {
	store: Arc<dyn sp_state_machine::Storage<BlakeTwo256>>,
	root: Hash,
	state: State,
	runtime: Arc<WasmRuntime>,
}

impl StockClient {
	fn new(chain: &Chain) -> Self {
		let store: Arc<dyn sp_state_machine::Storage<BlakeTwo256>> =
			Arc::new(MemoryStore(chain.state.backend_storage().clone()));
		let root = *chain.state.root();
		let state = TrieBackendBuilder::new(store.clone(), root).build();
		Self { store, root, state, runtime: runtime() }
	}
}

impl CallApiAt<Block> for StockClient {
	type StateBackend = State;

	fn call_api_at(&self, params: CallApiAtParams<Block>) -> Result<Vec<u8>, ApiError> {
		let mut overlay = params.overlayed_changes.borrow_mut();
		let mut extensions = params.extensions.borrow_mut();
		let code = self.runtime.code();
		let result = StateMachine::new(
			&self.state,
			&mut overlay,
			self.runtime.executor(),
			params.function,
			&params.arguments,
			&mut extensions,
			&code,
			params.call_context,
		)
		.execute();
		result.map_err(|error| ApiError::Application(error.to_string().into()))
	}

	fn runtime_version_at(
		&self,
		_: Hash,
		_: CallContext,
	) -> Result<sp_version::RuntimeVersion, ApiError> {
		Ok(pex_runtime::VERSION)
	}

	fn state_at(&self, _: Hash) -> Result<State, ApiError> {
		Ok(TrieBackendBuilder::new(self.store.clone(), self.root).build())
	}

	fn initialize_extensions(&self, _: Hash, _: &mut Extensions) -> Result<(), ApiError> {
		Ok(())
	}
}

impl ProvideRuntimeApi<Block> for StockClient {
	type Api = <RuntimeApi as ConstructRuntimeApi<Block, Self>>::RuntimeApi;

	fn runtime_api(&self) -> ApiRef<'_, Self::Api> {
		RuntimeApi::construct_runtime_api(self)
	}
}

/// What sc-basic-authorship does with a block builder: inherents, then every extrinsic.
fn build_stock(client: &StockClient, chain: &Chain, extrinsics: &[UncheckedExtrinsic]) -> Block {
	let inputs = chain.next_block();
	let mut builder = BlockBuilderBuilder::new(client)
		.on_parent_block(inputs.parent_hash)
		.with_parent_block_number(inputs.number - 1)
		.with_inherent_digests(inputs.digest)
		.build()
		.expect("a block builder");
	for inherent in builder.create_inherents(inputs.inherent_data).expect("inherents") {
		builder.push(inherent).expect("an inherent applies");
	}
	for extrinsic in extrinsics {
		builder.push(extrinsic.clone()).expect("a transfer applies");
	}
	builder.build().expect("the block builds").block
}

fn compare(c: &mut Criterion, name: &str, chain: &Chain, extrinsics: Vec<UncheckedExtrinsic>) {
	let client = StockClient::new(chain);
	let stock = build_stock(&client, chain, &extrinsics);
	let mut group = c.benchmark_group(name);
	group.sample_size(10).measurement_time(Duration::from_secs(30));
	group.bench_function("stock", |b| b.iter(|| build_stock(&client, chain, &extrinsics)));
	for threads in [1, 2] {
		let options = BuildOptions { threads, ..Default::default() };
		let builder = ParallelBlockBuilder::with_runtime(runtime(), options).expect("a builder");
		let built = builder
			.build(&client.state, chain.next_block(), extrinsics.clone())
			.expect("the block builds");
		// Both contestants build the same block: same extrinsics, same order, same root.
		assert_eq!(built.block.encode(), stock.encode(), "{name}: pex builds the stock block");
		eprintln!("{name}, pex on {threads} threads: {:?}", built.stats);
		group.bench_with_input(BenchmarkId::new("pex", threads), &threads, |b, _| {
			b.iter(|| {
				builder
					.build(&client.state, chain.next_block(), extrinsics.clone())
					.expect("the block builds")
			})
		});
	}
	group.finish();
}

fn versus_stock(c: &mut Criterion) {
	let chain = Chain::new(10_000);
	// 1,000 senders, each paying a different one of the other 9,000 accounts.
	let transfers = (0..1_000).map(|i| chain.transfer(i, 0, 1_000 + 9 * i, UNIT)).collect();
	compare(c, "transfers", &chain, transfers);
	// 1,000 senders all paying account 9,999.
	let shared = (0..1_000).map(|i| chain.transfer(i, 0, 9_999, UNIT)).collect();
	compare(c, "all_conflict", &chain, shared);
}

criterion_group!(benches, versus_stock);
criterion_main!(benches);
