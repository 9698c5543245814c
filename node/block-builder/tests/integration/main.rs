//! The builder's integration tests over the real runtime, one module per subject, in one test
//! binary (each of its own would link its own copy of the runtime and its executor).

mod common;

mod contracts;
mod faults;
mod oracle;
mod runtime_faults;
mod upgrade;
