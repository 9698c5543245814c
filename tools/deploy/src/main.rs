//! `pex-deploy`: deploy a contract suite through `pallet-batch-deploy`.
//!
//! ```text
//! pex-deploy plan  <manifest | artifacts> [--url ws://127.0.0.1:9944] [KEY] [SENDING]
//! pex-deploy run   <manifest | artifacts> [--url ...] [KEY] [SENDING] [--best-effort] [--report FILE]
//! pex-deploy serve [--listen 127.0.0.1:8080] [--url ...] [KEY] [--token T] [--max-request-bytes N]
//!
//! KEY:     --suri //Alice | PEX_DEPLOY_SURI=... | --key-file FILE (a secret URI in a file)
//! SENDING: [--max-parallel N] | --sequential | --pipelined
//! ```
//!
//! `--salt HEX` (plan, run) gives every contract without a salt in the manifest this one: the
//! same suite again at new addresses.
//!
//! `plan` resolves the suite (dependencies, bound constructor parameters, levels), splits it into
//! extrinsics and has the node's runtime check and price each (`BatchDeployApi::plan`,
//! `TransactionPaymentApi::query_info`); nothing is sent. `run` plans the same way, then sends:
//! batches of at most `--max-parallel` contracts (one batch when the suite fits), or with
//! `--sequential` one contract per extrinsic, each once the previous one is in a block (the
//! baseline), or with `--pipelined` one contract per extrinsic, all at once. It follows them to
//! finality (a progress bar on a terminal), prints the JSON report (and writes it to `--report`),
//! and exits with 1 if a contract was not deployed. `serve` is the REST service
//! (`POST /api/v1/deployments/batch`, see `/api/v1/openapi.json`). The key never leaves the
//! client.

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use pallet_batch_deploy::DeployMode;
use pex_deploy::{
	deploy::{deploy, Progress},
	manifest::read_input,
	plan::report,
	prepare::{keypair, prepare, Prepared},
	serve::{router, ServiceConfig},
	DeployClient, Error, Strategy,
};
use std::{net::SocketAddr, path::PathBuf, process::ExitCode};
use subxt_signer::sr25519::Keypair;

#[derive(Parser)]
#[command(name = "pex-deploy", about = "Deploy a contract suite through pallet-batch-deploy")]
struct Cli {
	#[command(subcommand)]
	command: Command,
}

/// The deployer's key: exactly one source.
#[derive(Args)]
#[group(required = true, multiple = false)]
struct KeySource {
	/// The deployer's key, a secret URI such as `//Alice` or a mnemonic; or `PEX_DEPLOY_SURI`.
	#[arg(long, env = "PEX_DEPLOY_SURI", hide_env_values = true)]
	suri: Option<String>,
	/// A file holding the deployer's secret URI.
	#[arg(long)]
	key_file: Option<PathBuf>,
}

impl KeySource {
	fn keypair(&self) -> Result<Keypair, String> {
		match (&self.suri, &self.key_file) {
			(Some(suri), _) => keypair(suri).map_err(|e| e.to_string()),
			(None, Some(path)) => {
				let suri = std::fs::read_to_string(path)
					.map_err(|error| format!("cannot read {}: {error}", path.display()))?;
				keypair(&suri).map_err(|e| format!("{}: {e}", path.display()))
			},
			(None, None) =>
				Err("give the deployer's key: --suri, PEX_DEPLOY_SURI or --key-file".into()),
		}
	}
}

/// How the suite is sent.
#[derive(Args)]
#[group(multiple = false)]
struct Sending {
	/// The most contracts in one batch (default and ceiling: the runtime's bound).
	#[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
	max_parallel: Option<u32>,
	/// One contract per extrinsic, each sent once the previous one is in a block (the baseline).
	#[arg(long)]
	sequential: bool,
	/// One contract per extrinsic, all sent at once with consecutive nonces.
	#[arg(long)]
	pipelined: bool,
}

/// What the command line adds to the manifest.
#[derive(Args)]
struct Overrides {
	/// The salt (32 bytes, hex) of every contract the manifest gives none: the same suite again
	/// at new addresses.
	#[arg(long)]
	salt: Option<String>,
}

impl Sending {
	fn strategy(&self) -> Strategy {
		use sp_runtime::traits::Get;
		let bound = <pex_runtime::Runtime as pallet_batch_deploy::Config>::MaxContracts::get();
		if self.sequential {
			Strategy::Sequential
		} else if self.pipelined {
			Strategy::Pipelined
		} else {
			Strategy::Batch { max_contracts: self.max_parallel.unwrap_or(bound).min(bound) }
		}
	}
}

/// The suite and how to send it: what `plan` and `run` share.
#[derive(Args)]
struct SuiteArgs {
	/// A manifest (`.json`, `.toml`) or an artifacts directory / solc standard-JSON output.
	input: PathBuf,
	/// The node's RPC.
	#[arg(long, default_value = "ws://127.0.0.1:9944")]
	url: String,
	#[command(flatten)]
	key: KeySource,
	#[command(flatten)]
	sending: Sending,
	#[command(flatten)]
	overrides: Overrides,
}

#[derive(Subcommand)]
enum Command {
	/// Show the levels, addresses, extrinsics, weight and fees; send nothing.
	Plan {
		#[command(flatten)]
		suite: SuiteArgs,
	},
	/// Plan, then deploy the suite and report what became of each contract.
	Run {
		#[command(flatten)]
		suite: SuiteArgs,
		/// Deploy what can be deployed when a contract fails (its dependents fail with it);
		/// without it, a failure reverts its batch and nothing after it is sent.
		#[arg(long)]
		best_effort: bool,
		/// Also write the JSON report to this file.
		#[arg(long)]
		report: Option<PathBuf>,
	},
	/// Serve the REST API (`/api/v1/deployments/...`, `/api/v1/openapi.json`).
	Serve {
		/// Where to listen. A non-loopback address requires `--token`.
		#[arg(long, default_value = "127.0.0.1:8080")]
		listen: SocketAddr,
		/// The node's RPC.
		#[arg(long, default_value = "ws://127.0.0.1:9944")]
		url: String,
		#[command(flatten)]
		key: KeySource,
		/// Require `Authorization: Bearer <token>`; or `PEX_DEPLOY_TOKEN`.
		#[arg(long, env = "PEX_DEPLOY_TOKEN", hide_env_values = true)]
		token: Option<String>,
		/// The largest request body accepted.
		#[arg(long, default_value_t = 16 * 1024 * 1024)]
		max_request_bytes: usize,
	},
}

#[tokio::main]
async fn main() -> ExitCode {
	match run(Cli::parse()).await {
		Ok(()) => ExitCode::SUCCESS,
		Err(error) => {
			eprintln!("pex-deploy: {error}");
			ExitCode::FAILURE
		},
	}
}

/// The suite `args` describe, prepared against their node for `mode`, signed by `key`.
async fn prepared(
	args: &SuiteArgs,
	key: &Keypair,
	mode: DeployMode,
) -> Result<(Prepared, DeployClient), Error> {
	let (mut requests, artifacts) = read_input(&args.input)?;
	if let Some(salt) = &args.overrides.salt {
		for request in requests.iter_mut().filter(|request| request.salt.is_none()) {
			request.salt = Some(salt.clone());
		}
	}
	let client = DeployClient::connect(&args.url).await?;
	let strategy = args.sending.strategy();
	let prepared = prepare(&client, key, &requests, &artifacts, strategy, mode).await?;
	Ok((prepared, client))
}

fn json(value: &impl serde::Serialize) -> Result<String, String> {
	serde_json::to_string_pretty(value).map_err(|e| e.to_string())
}

async fn run(cli: Cli) -> Result<(), String> {
	match cli.command {
		Command::Plan { suite } => {
			let key = suite.key.keypair()?;
			let (prepared, _) = prepared(&suite, &key, DeployMode::AllOrNothing)
				.await
				.map_err(|e| e.to_string())?;
			println!("{}", json(&report(&prepared))?);
			Ok(())
		},
		Command::Run { suite, best_effort, report } => {
			let key = suite.key.keypair()?;
			let mode = if best_effort { DeployMode::BestEffort } else { DeployMode::AllOrNothing };
			let (prepared, client) =
				prepared(&suite, &key, mode).await.map_err(|e| e.to_string())?;
			let bar = ProgressBar::new(prepared.batches.len() as u64);
			bar.set_style(
				ProgressStyle::with_template(
					"{spinner} {elapsed:>4} [{bar:30}] {pos}/{len} finalized {msg}",
				)
				.unwrap_or_else(|_| ProgressStyle::default_bar()),
			);
			let outcome = deploy(&client, &key, &prepared, mode, |progress| match progress {
				Progress::Sent { extrinsic, of } =>
					bar.set_message(format!("sent {}/{of}", extrinsic + 1)),
				Progress::Included { extrinsic, block } =>
					bar.set_message(format!("#{} in block {block}", extrinsic + 1)),
				Progress::Finalized { .. } => bar.inc(1),
			})
			.await
			.map_err(|e| e.to_string());
			bar.finish_and_clear();
			let outcome = outcome?;
			let text = json(&outcome)?;
			if let Some(path) = report {
				std::fs::write(&path, &text)
					.map_err(|error| format!("cannot write {}: {error}", path.display()))?;
			}
			println!("{text}");
			if outcome.success {
				Ok(())
			} else {
				Err(format!(
					"{} of {} contracts were not deployed",
					outcome.failed_count,
					outcome.deployments.len()
				))
			}
		},
		Command::Serve { listen, url, key, token, max_request_bytes } => {
			if !listen.ip().is_loopback() && token.is_none() {
				return Err(format!(
					"refusing to serve on {listen} without --token: anyone who reaches it could \
					 deploy with this key"
				))
			}
			let key = key.keypair()?;
			let listener = tokio::net::TcpListener::bind(listen)
				.await
				.map_err(|error| format!("cannot listen on {listen}: {error}"))?;
			let address = listener.local_addr().map_err(|e| e.to_string())?;
			eprintln!("pex-deploy: serving http://{address}/api/v1 (node {url})");
			let app = router(ServiceConfig { url, key, token, max_request_bytes });
			axum::serve(listener, app).await.map_err(|error| format!("serve: {error}"))
		},
	}
}
