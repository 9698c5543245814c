//! A stock node: sc-block-builder's sequential `BlockBuilder`, driven the way
//! sc-basic-authorship drives it, and a stock node's import (`Core_execute_block`). Both make
//! their runtime calls as a node's client does: `StateMachine` with the WASM executor over the
//! parent state held as a trie over a node store.

use crate::{
	chain::{Chain, NextBlock},
	runtime, Error,
};
use pex_runtime::{apis::RuntimeApi, Block, Hash, UncheckedExtrinsic};
use sc_block_builder::BlockBuilderBuilder;
use sp_api::{
	ApiError, ApiRef, CallApiAt, CallApiAtParams, ConstructRuntimeApi, ProvideRuntimeApi,
};
use sp_core::traits::CallContext;
use sp_externalities::Extensions;
use sp_runtime::traits::{BlakeTwo256, Block as _, Header as _};
use sp_state_machine::{StateMachine, StorageChanges, TrieBackend, TrieBackendBuilder};
use sp_trie::PrefixedMemoryDB;
use std::sync::Arc;

/// The parent state as a node holds it: a trie over a node store behind an `Arc`.
pub type State = TrieBackend<Arc<dyn sp_state_machine::Storage<BlakeTwo256>>, BlakeTwo256>;

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

/// The client sc-block-builder needs, over the best state of a [`Chain`]: runtime calls as a
/// node's client makes them, with the process's executor ([`runtime::executor`]). Every
/// contestant of the harness builds on [`StockClient::state`].
pub struct StockClient {
	store: Arc<dyn sp_state_machine::Storage<BlakeTwo256>>,
	root: Hash,
	state: State,
	executor: runtime::Executor,
}

/// A block sc-block-builder built.
pub struct StockBlock {
	/// The block.
	pub block: Block,
	/// Extrinsics other than inherents in it.
	pub extrinsics: usize,
	/// Candidates the runtime refused (sc-basic-authorship skips them, as here).
	pub skipped: usize,
	/// What the block changes in the parent state (for [`Chain::advance`]).
	pub storage_changes: StorageChanges<BlakeTwo256>,
}

impl StockClient {
	/// A client at `chain`'s best block.
	pub fn new(chain: &Chain) -> Self {
		let store: Arc<dyn sp_state_machine::Storage<BlakeTwo256>> =
			Arc::new(MemoryStore(chain.state.backend_storage().clone()));
		let root = *chain.state.root();
		let state = TrieBackendBuilder::new(store.clone(), root).build();
		Self { store, root, state, executor: runtime::executor() }
	}

	/// The parent state.
	pub fn state(&self) -> &State {
		&self.state
	}

	/// What sc-basic-authorship does with a block builder: inherents, then every candidate in
	/// order, skipping the ones the runtime refuses; then the block with its state root.
	pub fn build(
		&self,
		inputs: NextBlock,
		candidates: &[UncheckedExtrinsic],
	) -> Result<StockBlock, Error> {
		let stock = |error: sp_blockchain::Error| Error::Stock(error.to_string());
		let mut builder = BlockBuilderBuilder::new(self)
			.on_parent_block(inputs.parent_hash)
			.with_parent_block_number(inputs.number - 1)
			.with_inherent_digests(inputs.digest)
			.build()
			.map_err(stock)?;
		for inherent in builder.create_inherents(inputs.inherent_data).map_err(stock)? {
			builder.push(inherent).map_err(stock)?;
		}
		let (mut extrinsics, mut skipped) = (0, 0);
		for candidate in candidates {
			match builder.push(candidate.clone()) {
				Ok(()) => extrinsics += 1,
				Err(_) => skipped += 1,
			}
		}
		let built = builder.build().map_err(stock)?;
		Ok(StockBlock {
			block: built.block,
			extrinsics,
			skipped,
			storage_changes: built.storage_changes,
		})
	}

	/// A stock node's import of `block`: `Core_execute_block` on the parent state (the runtime
	/// checks the state root and the extrinsics root), then the storage changes. Returns the
	/// state root reached, which is checked against the header's.
	pub fn import(&self, block: &Block) -> Result<Hash, Error> {
		let root = runtime::execute_block(&self.state, block)?;
		if &root != block.header().state_root() {
			return Err(Error::Import(format!(
				"state root {root:?}, the header says {:?}",
				block.header().state_root()
			)));
		}
		Ok(root)
	}
}

impl CallApiAt<Block> for StockClient {
	type StateBackend = State;

	fn call_api_at(&self, params: CallApiAtParams<Block>) -> Result<Vec<u8>, ApiError> {
		let mut overlay = params.overlayed_changes.borrow_mut();
		let mut extensions = params.extensions.borrow_mut();
		let code = runtime::code();
		let result = StateMachine::new(
			&self.state,
			&mut overlay,
			&self.executor,
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

	/// What a client's execution extensions register for every call ([`runtime::extensions`]).
	fn initialize_extensions(&self, _: Hash, extensions: &mut Extensions) -> Result<(), ApiError> {
		extensions.merge(runtime::extensions());
		Ok(())
	}
}

impl ProvideRuntimeApi<Block> for StockClient {
	type Api = <RuntimeApi as ConstructRuntimeApi<Block, Self>>::RuntimeApi;

	fn runtime_api(&self) -> ApiRef<'_, Self::Api> {
		RuntimeApi::construct_runtime_api(self)
	}
}
