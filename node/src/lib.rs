//! # pex node
//!
//! Not implemented yet: a later issue turns this crate into the node binary (CLI, chain spec,
//! service, RPC) that authors blocks with `pex-block-builder`. Until then `make run` runs the
//! `pex-bench` demo.
