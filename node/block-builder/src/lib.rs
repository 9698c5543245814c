//! # pex block builder
//!
//! Not implemented yet: issue \[P4\] fills this crate.
//!
//! It will build a block in the six steps of the pex architecture: a sequential base
//! (`initialize_block`, inherents, the post-inherent step), admission under the block's global
//! limits, partition of the extrinsics by their access sets, parallel execution of the groups
//! on a rayon pool over forked state, validation of the keys each group really touched (with
//! re-execution of what conflicted), and a deterministic merge followed by `finalize_block`.
//! The block it builds imports on a sequential node with the same state root.
