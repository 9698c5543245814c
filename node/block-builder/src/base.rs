//! Step 1, the base: the runtime's version (checked), `Core_initialize_block`, the inherents and
//! the post-inherent step, sequentially, into the overlay every chunk forks from; then what the
//! runtime says of that state (hot keys, capacity).

use crate::{runtime::Calls, BuildError, RuntimeCalls};
use pex_primitives::{BlockCapacity, HotKey, ParallelExecutionApi};
use sp_api::RuntimeApiInfo;
use sp_inherents::InherentData;
use sp_runtime::{
	traits::{Block as BlockT, HashingFor, Header as HeaderT},
	transaction_validity::InvalidTransaction,
	ApplyExtrinsicResult, ExtrinsicInclusionMode,
};
use sp_state_machine::{Backend, OverlayedChanges};
use sp_version::RuntimeVersion;

/// The version of `ParallelExecutionApi` the builder speaks: a runtime declaring another one (or
/// none) is refused with [`BuildError::UnsupportedRuntime`], never misread.
pub const PARALLEL_EXECUTION_API_VERSION: u32 = 1;

/// `BlockBuilder_apply_extrinsic`: one extrinsic, as a sequential builder applies it.
pub(crate) const APPLY: &str = "BlockBuilder_apply_extrinsic";

/// The state chunks fork from, and what the runtime said about it.
pub(crate) struct Base<Block: BlockT> {
	/// The runtime that builds the block.
	pub(crate) version: RuntimeVersion,
	/// Whether the block may hold more than inherents.
	pub(crate) mode: ExtrinsicInclusionMode,
	/// The inherents, applied.
	pub(crate) inherents: Vec<Block::Extrinsic>,
	/// Initialization, the inherents and the post-inherent step.
	pub(crate) overlay: OverlayedChanges<HashingFor<Block>>,
	/// The block-wide keys whose writes merge by rules.
	pub(crate) hot_keys: Vec<HotKey>,
	/// What the rest of the block may use.
	pub(crate) capacity: BlockCapacity,
}

/// Check the runtime's version, initialize the block with `header` and apply the inherents made
/// from `data`, then the post-inherent step; ask for the hot keys and the capacity.
pub(crate) fn base<Block, S, R>(
	runtime: &R,
	parent: &S,
	header: &Block::Header,
	data: &InherentData,
) -> Result<Base<Block>, BuildError>
where
	Block: BlockT,
	S: Backend<HashingFor<Block>>,
	R: RuntimeCalls,
{
	let mut overlay = OverlayedChanges::default();
	let version: RuntimeVersion = runtime.query(parent, &mut overlay, "Core_version", ())?;
	check_version::<Block>(&version)?;
	let mode: ExtrinsicInclusionMode =
		runtime.call(parent, &mut overlay, "Core_initialize_block", header)?;
	let inherents = apply_inherents::<Block, S, R>(runtime, parent, &mut overlay, data)?;
	let () = runtime.call(parent, &mut overlay, "ParallelExecutionApi_inherents_applied", ())?;
	let hot_keys = runtime.query(parent, &mut overlay, "ParallelExecutionApi_hot_keys", ())?;
	let capacity = capacity(runtime, parent, &mut overlay)?;
	Ok(Base { version, mode, inherents, overlay, hot_keys, capacity })
}

/// Refuse a runtime that does not implement [`PARALLEL_EXECUTION_API_VERSION`] of
/// `ParallelExecutionApi`.
fn check_version<Block: BlockT>(version: &RuntimeVersion) -> Result<(), BuildError> {
	let id = <dyn ParallelExecutionApi<Block> as RuntimeApiInfo>::ID;
	let found = version.api_version(&id);
	if found == Some(PARALLEL_EXECUTION_API_VERSION) {
		return Ok(())
	}
	let (spec_version, expected) = (version.spec_version, PARALLEL_EXECUTION_API_VERSION);
	let error = BuildError::UnsupportedRuntime { spec_version, found, expected };
	log::debug!(target: crate::LOG_TARGET, "{error}");
	Err(error)
}

/// Create the inherents from `data` and apply them; each must succeed.
fn apply_inherents<Block, S, R>(
	runtime: &R,
	parent: &S,
	overlay: &mut OverlayedChanges<HashingFor<Block>>,
	data: &InherentData,
) -> Result<Vec<Block::Extrinsic>, BuildError>
where
	Block: BlockT,
	S: Backend<HashingFor<Block>>,
	R: RuntimeCalls,
{
	let inherents: Vec<Block::Extrinsic> =
		runtime.query(parent, overlay, "BlockBuilder_inherent_extrinsics", data)?;
	for (index, inherent) in inherents.iter().enumerate() {
		let result: ApplyExtrinsicResult = runtime.call(parent, overlay, APPLY, inherent)?;
		match result {
			Ok(Ok(())) => {},
			Ok(Err(_)) => {
				let error = InvalidTransaction::BadMandatory.into();
				return Err(BuildError::Inherent { index, error })
			},
			Err(error) => return Err(BuildError::Inherent { index, error }),
		}
	}
	Ok(inherents)
}

/// What the rest of the block may still use, asked of the runtime in the state `overlay` holds.
pub(crate) fn capacity<H, S, R>(
	runtime: &R,
	parent: &S,
	overlay: &mut OverlayedChanges<H>,
) -> Result<BlockCapacity, BuildError>
where
	H: sp_core::Hasher,
	H::Out: Ord + 'static + codec::Codec,
	S: Backend<H>,
	R: RuntimeCalls,
{
	runtime.query(parent, overlay, "ParallelExecutionApi_block_capacity", ())
}

/// The header `Core_initialize_block` starts from.
pub(crate) fn header<Block: BlockT>(inputs: &crate::BlockInputs<Block>) -> Block::Header {
	<Block::Header as HeaderT>::new(
		inputs.number,
		Default::default(),
		Default::default(),
		inputs.parent_hash,
		inputs.digest.clone(),
	)
}
