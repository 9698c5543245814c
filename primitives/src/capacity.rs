//! What is left of a block: the limits the parallel builder enforces globally at admission.

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
