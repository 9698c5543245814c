//! The end-to-end tests of `pex-node`: one test binary (each test file of its own would link
//! its own copy of the client and the runtime), one module per subject; each test starts real
//! `pex-node` processes on free loopback ports (see `common`).

mod common;

mod crash;
mod deploy_service;
mod deploy_tool;
mod dev_chain;
mod ethereum;
mod fallback;
mod network;
mod upgrade;
