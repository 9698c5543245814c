//! Real `pex-node` processes for the end-to-end tests: each on free loopback ports with its own
//! base path (removed afterwards), stopped by its own PID.

#![allow(dead_code, reason = "each test module uses a different subset")]
#![allow(unreachable_pub, reason = "a module shared by test modules")]

use codec::{Decode, Encode};
use pex_bench::load::{account, dev_key, NodeClient};
use pex_runtime::AccountId;
use std::{
	fs::File,
	net::TcpListener,
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};

/// The node binary cargo built for these tests.
pub const NODE: &str = env!("CARGO_BIN_EXE_pex-node");

/// How long a node may take from its start to an answering RPC. A debug-built node builds its
/// genesis state through the runtime's WASM before it opens RPC: three `local` validators
/// starting at once on this 2-core machine took 67 s from opening their databases to their
/// genesis blocks (2026-12-02), so the minute allowed before failed the network test.
pub const STARTUP: Duration = Duration::from_secs(180);

/// A port nothing listens on right now (the OS's pick on loopback).
pub fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0")
		.and_then(|listener| listener.local_addr())
		.map(|address| address.port())
		.expect("a free loopback port")
}

/// A directory of its own under the system's temporary directory, removed on drop.
pub struct TestDir(PathBuf);

impl TestDir {
	/// A fresh directory named after `name` and this process.
	pub fn new(name: &str) -> Self {
		let path = std::env::temp_dir().join(format!("pex-e2e-{name}-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&path);
		std::fs::create_dir_all(&path).expect("a temporary directory");
		Self(path)
	}

	/// Its path.
	pub fn path(&self) -> &Path {
		&self.0
	}
}

impl Drop for TestDir {
	fn drop(&mut self) {
		let _ = std::fs::remove_dir_all(&self.0);
	}
}

/// Run `pex-node` with `args` to completion (a subcommand); its output, or its output as the
/// error if it failed.
pub fn run(args: &[&str]) -> Result<String, String> {
	let output = Command::new(NODE).args(args).output().map_err(|e| e.to_string())?;
	let text = format!(
		"{}{}",
		String::from_utf8_lossy(&output.stdout),
		String::from_utf8_lossy(&output.stderr)
	);
	if output.status.success() {
		Ok(text)
	} else {
		Err(text)
	}
}

/// A running `pex-node`.
pub struct TestNode {
	child: Option<Child>,
	/// Its base path.
	pub base: PathBuf,
	/// Its WebSocket/HTTP RPC port.
	pub rpc_port: u16,
	/// Its Prometheus port.
	pub prometheus_port: u16,
	/// Its peer-to-peer port.
	pub p2p_port: u16,
	log: PathBuf,
}

impl TestNode {
	/// Start `pex-node` on `base` with `args` (e.g. `--dev`), on free loopback ports; its
	/// output goes to `<base>.log`.
	pub fn start(base: &Path, args: &[&str]) -> Self {
		Self::start_on(base, args, free_port())
	}

	/// As [`Self::start`], with peer-to-peer port `p2p_port` (to be a bootnode others know).
	pub fn start_on(base: &Path, args: &[&str], p2p_port: u16) -> Self {
		let (rpc_port, prometheus_port) = (free_port(), free_port());
		let log = base.with_extension("log");
		let out = File::options().create(true).append(true).open(&log).expect("a log file");
		let err = out.try_clone().expect("a log file");
		let child = Command::new(NODE)
			.arg("--base-path")
			.arg(base)
			.args(["--rpc-port", &rpc_port.to_string()])
			.args(["--prometheus-port", &prometheus_port.to_string()])
			.args(["--listen-addr", &format!("/ip4/127.0.0.1/tcp/{p2p_port}")])
			.args(["--no-telemetry", "--no-mdns", "--offchain-worker", "never"])
			.args(args)
			.stdin(Stdio::null())
			.stdout(out)
			.stderr(err)
			.spawn()
			.expect("pex-node starts");
		Self {
			child: Some(child),
			base: base.to_path_buf(),
			rpc_port,
			prometheus_port,
			p2p_port,
			log,
		}
	}

	/// Its RPC URL.
	pub fn url(&self) -> String {
		format!("ws://127.0.0.1:{}", self.rpc_port)
	}

	/// What it printed so far.
	pub fn log(&self) -> String {
		std::fs::read_to_string(&self.log).unwrap_or_default()
	}

	/// A client, once the node's RPC answers (at most [`STARTUP`]).
	pub async fn client(&self) -> NodeClient {
		self.connected(|url| async move { NodeClient::connect(&url).await }).await
	}

	/// What `connect(url)` gives once the node's RPC answers (at most [`STARTUP`]).
	pub async fn connected<C, E, F>(&self, connect: impl Fn(String) -> F) -> C
	where
		E: std::fmt::Display,
		F: std::future::Future<Output = Result<C, E>>,
	{
		let deadline = Instant::now() + STARTUP;
		loop {
			match connect(self.url()).await {
				Ok(client) => return client,
				Err(error) if Instant::now() > deadline =>
					panic!("the node's RPC does not answer: {error}\n{}", self.tail()),
				Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
			}
		}
	}

	/// Wait until block `number` is finalized (at most `timeout`).
	pub async fn wait_finalized(&self, client: &NodeClient, number: u64, timeout: Duration) {
		let deadline = Instant::now() + timeout;
		loop {
			match client.finalized_number().await {
				Ok(finalized) if finalized >= number => return,
				_ if Instant::now() > deadline =>
					panic!("block #{number} not finalized in {timeout:?}\n{}", self.tail()),
				_ => tokio::time::sleep(Duration::from_millis(250)).await,
			}
		}
	}

	/// The last lines of its log.
	pub fn tail(&self) -> String {
		let log = self.log();
		let lines: Vec<&str> = log.lines().collect();
		lines[lines.len().saturating_sub(40)..].join("\n")
	}

	/// Its Prometheus metrics, as text.
	pub fn metrics(&self) -> String {
		use std::io::{Read, Write};
		let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.prometheus_port))
			.expect("the Prometheus endpoint answers");
		write!(stream, "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").expect("a request");
		let mut text = String::new();
		stream.read_to_string(&mut text).expect("a response");
		text
	}

	/// Stop it as an operator does (SIGINT) and wait until it exited, so its database is closed.
	pub fn stop(&mut self) {
		if let Some(mut child) = self.child.take() {
			let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
			let deadline = Instant::now() + Duration::from_secs(30);
			while Instant::now() < deadline {
				if let Ok(Some(_)) = child.try_wait() {
					return;
				}
				std::thread::sleep(Duration::from_millis(100));
			}
			let _ = child.kill();
			let _ = child.wait();
		}
	}

	/// Kill it (SIGKILL: a crash) and reap it.
	pub fn kill(&mut self) {
		if let Some(mut child) = self.child.take() {
			let _ = child.kill();
			let _ = child.wait();
		}
	}
}

impl Drop for TestNode {
	fn drop(&mut self) {
		self.kill();
	}
}

/// The best block of the stopped `--dev` node at `base` (from `chain-info`).
pub fn last_block(base: &Path) -> u64 {
	let info =
		run(&["chain-info", "--dev", "--base-path", &base.to_string_lossy()]).expect("chain-info");
	// Pretty-printed JSON on stdout (which `run` puts before the log lines).
	let start = info.find("{\n").expect("JSON");
	let end = start + info[start..].find("\n}").expect("JSON") + 2;
	let value: serde_json::Value = serde_json::from_str(&info[start..end]).expect("JSON");
	value["best_number"].as_u64().expect("a best block")
}

/// The import oracle: export the chain of the stopped `--dev` node at `author` up to its best
/// block, import it into a fresh base path under `dir` (the import queue executes every block
/// with the runtime's own code, sequentially), and check the importer then exports the same
/// bytes: the same blocks with the same state roots. Returns the best block's number.
pub fn assert_imports_sequentially(dir: &Path, author: &Path) -> u64 {
	let best = last_block(author);
	let export = |base: &Path, file: &Path| {
		run(&[
			"export-blocks",
			"--dev",
			"--base-path",
			&base.to_string_lossy(),
			"--binary",
			"--to",
			&best.to_string(),
			&file.to_string_lossy(),
		])
		.expect("export-blocks")
	};
	let exported = dir.join("exported.bin");
	export(author, &exported);
	let importer = dir.join("importer");
	let imported = run(&[
		"import-blocks",
		"--dev",
		"--base-path",
		&importer.to_string_lossy(),
		"--binary",
		&exported.to_string_lossy(),
	])
	.expect("import-blocks executes and accepts every block");
	assert!(imported.contains(&format!("Imported {best} blocks")), "{imported}");
	let again = dir.join("again.bin");
	export(&importer, &again);
	assert_eq!(std::fs::read(&exported).expect("export"), std::fs::read(&again).expect("export"));
	best
}

/// `who` as the runtime's account id.
pub fn runtime_account(who: &subxt::utils::AccountId32) -> AccountId {
	AccountId::new(who.0)
}

/// A revive dry run of `function()` (no arguments) on `contract`, by Alice: its return data.
pub async fn dry_run(client: &NodeClient, contract: sp_core::H160, function: &str) -> Vec<u8> {
	let selector = &sp_io::hashing::keccak_256(function.as_bytes())[..4];
	let args = (
		runtime_account(&account(&dev_key("Alice").expect("Alice"))),
		contract,
		0u128,
		Option::<sp_runtime::Weight>::None,
		Option::<u128>::None,
		selector.to_vec(),
	);
	let bytes = client.state_call("ReviveApi_call", &args.encode()).await.expect("a dry run");
	let result = pallet_revive::pallet_revive_types::runtime_api::ContractResultV1::<
		pallet_revive::pallet_revive_types::runtime_api::ExecReturnValueV1,
		u128,
	>::decode(&mut &bytes[..])
	.expect("a contract result");
	result.result.expect("the call succeeds").data
}

/// The address in a 32-byte ABI word.
pub fn abi_address(word: &[u8]) -> sp_core::H160 {
	assert_eq!(word.len(), 32, "one ABI word");
	sp_core::H160::from_slice(&word[12..])
}
