//! Build one block of transfers on 2 threads with tracing on and write its Chrome trace.
//!
//! `cargo run -p pex-block-builder --example trace -- docs/trace/block-trace.json`
//!
//! Open the file in `chrome://tracing` or <https://ui.perfetto.dev>.

#[path = "../tests/integration/common/mod.rs"]
mod common;

use common::{assert_imports, runtime, BuildOnChain, Chain};
use pex_block_builder::{BuildOptions, ParallelBlockBuilder};
use rand::{rngs::StdRng, Rng, SeedableRng};

fn main() {
	let path = std::env::args().nth(1).unwrap_or_else(|| "block-trace.json".into());
	// 60 transfers among 100 accounts: a few senders and receivers repeat, so some groups hold
	// more than one transfer.
	let accounts = 100;
	let chain = Chain::new(accounts as u32);
	let mut rng = StdRng::seed_from_u64(7);
	let mut nonces = vec![0u32; accounts];
	let candidates = (0..60)
		.map(|_| {
			let from = rng.gen_range(0..accounts);
			let to = rng.gen_range(0..accounts);
			nonces[from] += 1;
			chain.transfer(from, nonces[from] - 1, to, pex_runtime::UNIT)
		})
		.collect();
	let options = BuildOptions { threads: 2, trace: true, ..Default::default() };
	let builder = ParallelBlockBuilder::with_runtime(runtime(), options).expect("a builder");
	let built = builder.build(&chain.state, chain.inputs(), candidates).expect("builds");
	assert_imports(&chain, &built);
	let trace = built.trace.expect("tracing was on");
	std::fs::write(&path, trace.to_chrome_json()).expect("the trace is written");
	println!("{:?}", built.stats);
	println!("{} events written to {path}", trace.events.len());
}
