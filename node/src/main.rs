//! `pex-node`: a Substrate node (Aura + GRANDPA, parity-db) that builds its blocks in parallel.
//! Everything lives in the `pex_node` library; see its documentation.

#[allow(clippy::result_large_err, reason = "sc-cli's error type, as in every Substrate node")]
fn main() -> sc_cli::Result<()> {
	pex_node::command::run()
}
