//! `pex-node`: a Substrate node (Aura + GRANDPA, parity-db) that builds its blocks in parallel.
//! Everything lives in the `pex_node` library; see its documentation.

fn main() -> sc_cli::Result<()> {
	pex_node::command::run()
}
