//! Build-time facts the CLI prints (`pex-node --version`): the git commit and the rebuild
//! triggers of polkadot-sdk's nodes.

use substrate_build_script_utils::{generate_cargo_keys, rerun_if_git_head_changed};

fn main() {
	generate_cargo_keys();
	rerun_if_git_head_changed();
}
