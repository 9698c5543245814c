//! `pex-deploy`: deploy a contract suite through `pallet-batch-deploy`.
//!
//! ```text
//! pex-deploy plan <manifest | artifacts> [--url ws://127.0.0.1:9944] [--suri //Alice]
//! pex-deploy run  <manifest | artifacts> [--url ...] [--suri ...] [--best-effort] [--report FILE]
//! ```
//!
//! `plan` resolves the suite (dependencies, bound constructor parameters, levels) and asks the
//! node's runtime for its plan (`BatchDeployApi::plan`: levels, predicted addresses); nothing is
//! sent. `run` plans the same way, then signs one `batch_deploy` of the whole suite, waits until
//! it is finalized and prints the report (JSON; also written to `--report`); it exits with 1 if a
//! contract was not deployed. The key (`--suri`, or `PEX_DEPLOY_SURI`) never leaves the client.

use clap::{Parser, Subcommand};
use pallet_batch_deploy::{ContractSpecOf, DeployMode};
use pex_deploy::{
	client::DeployClient,
	deploy::deploy,
	manifest::read_input,
	plan::{plan_error_text, report, PlanReport},
	resolve,
	spec::to_specs,
	Suite,
};
use pex_runtime::Runtime;
use std::{
	path::{Path, PathBuf},
	process::ExitCode,
	str::FromStr,
};
use subxt_signer::{sr25519::Keypair, SecretUri};

#[derive(Parser)]
#[command(name = "pex-deploy", about = "Deploy a contract suite through pallet-batch-deploy")]
struct Cli {
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Show the levels, bound placeholders and predicted addresses; send nothing.
	Plan {
		/// A manifest (`.json`, `.toml`) or an artifacts directory / solc standard-JSON output.
		input: PathBuf,
		/// The node's RPC.
		#[arg(long, default_value = "ws://127.0.0.1:9944")]
		url: String,
		/// The deployer's key (a secret URI such as `//Alice`); or `PEX_DEPLOY_SURI`.
		#[arg(long, env = "PEX_DEPLOY_SURI", hide_env_values = true)]
		suri: String,
	},
	/// Plan, then deploy the suite in one batch and report what became of each contract.
	Run {
		/// A manifest (`.json`, `.toml`) or an artifacts directory / solc standard-JSON output.
		input: PathBuf,
		/// The node's RPC.
		#[arg(long, default_value = "ws://127.0.0.1:9944")]
		url: String,
		/// The deployer's key (a secret URI such as `//Alice`); or `PEX_DEPLOY_SURI`.
		#[arg(long, env = "PEX_DEPLOY_SURI", hide_env_values = true)]
		suri: String,
		/// Deploy what can be deployed when a contract fails (its dependents fail with it);
		/// without it, any failure reverts the whole batch.
		#[arg(long)]
		best_effort: bool,
		/// Also write the JSON report to this file.
		#[arg(long)]
		report: Option<PathBuf>,
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

/// The suite `input` describes, checked by the runtime's plan: the suite, its specs, the plan's
/// report, the key and the client.
async fn planned(
	input: &Path,
	url: &str,
	suri: &str,
) -> Result<(Suite, Vec<ContractSpecOf<Runtime>>, PlanReport, Keypair, DeployClient), String> {
	let (requests, artifacts) = read_input(input).map_err(|e| e.to_string())?;
	let suite = resolve(&requests, &artifacts).map_err(|e| e.to_string())?;
	let specs = to_specs(&suite).map_err(|e| e.to_string())?;
	let key = SecretUri::from_str(suri)
		.ok()
		.and_then(|uri| Keypair::from_uri(&uri).ok())
		.ok_or("the key (--suri / PEX_DEPLOY_SURI) is not a valid secret URI")?;
	let deployer = pex_runtime::AccountId::from(key.public_key().0);
	let client = DeployClient::connect(url).await.map_err(|e| e.to_string())?;
	let plan =
		client
			.plan(&deployer, &specs)
			.await
			.map_err(|e| e.to_string())?
			.map_err(|error| {
				format!("the runtime refuses the batch: {}", plan_error_text(&error, &suite))
			})?;
	let report = report(&suite, &plan);
	Ok((suite, specs, report, key, client))
}

async fn run(cli: Cli) -> Result<(), String> {
	match cli.command {
		Command::Plan { input, url, suri } => {
			let (_, _, report, _, _) = planned(&input, &url, &suri).await?;
			println!("{}", serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?);
			Ok(())
		},
		Command::Run { input, url, suri, best_effort, report } => {
			let (suite, specs, _, key, client) = planned(&input, &url, &suri).await?;
			let mode = if best_effort { DeployMode::BestEffort } else { DeployMode::AllOrNothing };
			let outcome = deploy(client.rpc(), &key, &suite, specs, mode)
				.await
				.map_err(|e| e.to_string())?;
			let json = serde_json::to_string_pretty(&outcome).map_err(|e| e.to_string())?;
			if let Some(path) = report {
				std::fs::write(&path, &json)
					.map_err(|error| format!("cannot write {}: {error}", path.display()))?;
			}
			println!("{json}");
			if outcome.success {
				Ok(())
			} else {
				Err(format!(
					"{} of {} contracts were not deployed",
					outcome.failed_count,
					suite.contracts.len()
				))
			}
		},
	}
}
