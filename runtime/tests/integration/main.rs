//! The runtime's integration tests, natively over a real genesis preset, one module per
//! subject, in one test binary (each of its own would link its own copy of the runtime). The
//! migration test (`migration.rs`, feature `try-runtime`) stays a binary of its own.

mod common;

mod batch_deploy;
mod ethereum;
mod governance;
mod runtime;
