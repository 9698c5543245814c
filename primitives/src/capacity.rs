//! What is left of a block, and what each candidate takes of it: the limits the parallel builder
//! enforces globally at admission.

use crate::AccessSet;
use codec::{Decode, Encode};
use scale_info::TypeInfo;
use sp_runtime::Weight;

/// What one dispatch class may still use in the block.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct ClassCapacity {
	/// Weight the class may still consume (its `max_total` minus what it consumed).
	pub weight: Weight,
	/// Weight every extrinsic of the class consumes besides its own (`base_extrinsic`).
	pub base_extrinsic: Weight,
	/// Encoded bytes extrinsics of the class may still add to the block.
	pub length: u32,
}

/// What the rest of a block may still use, in the state where the runtime was asked.
///
/// Invariant the runtime promises: a sequence of extrinsics whose summed extrinsic weight
/// (dispatch weight + class `base_extrinsic` + encoded length as proof size) fits both its class's
/// `weight` and `total_weight`, and whose summed length fits its class's `length`, passes the
/// runtime's block-limit checks in any order.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct BlockCapacity {
	/// `DispatchClass::Normal`.
	pub normal: ClassCapacity,
	/// `DispatchClass::Operational`.
	pub operational: ClassCapacity,
	/// Weight all classes together may still consume.
	pub total_weight: Weight,
}

/// The dispatch class of an extrinsic (frame-support's `DispatchClass`, which this crate does
/// not depend on).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum ExtrinsicClass {
	/// Ordinary transactions.
	Normal,
	/// Operational transactions (e.g. runtime upgrades).
	Operational,
	/// Inherents: never from a pool.
	Mandatory,
}

/// What the builder needs to know about one candidate before executing it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct ExtrinsicInfo {
	/// What applying it may read and write (see `ParallelExecutionApi::access_set`).
	pub access: AccessSet,
	/// Its weight before dispatch, extension weight included (what `CheckWeight` adds, without
	/// the class's `base_extrinsic`).
	pub weight: Weight,
	/// Its dispatch class.
	pub class: ExtrinsicClass,
	/// Its encoded length in bytes.
	pub length: u32,
}
