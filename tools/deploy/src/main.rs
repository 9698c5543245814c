//! `pex-deploy`: deploy a contract suite through `pallet-batch-deploy`.
//!
//! ```text
//! pex-deploy plan <manifest | artifacts> [--url ws://127.0.0.1:9944] [--suri //Alice]
//! ```
//!
//! `plan` resolves the suite (dependencies, bound constructor parameters, levels) and asks the
//! node's runtime for its plan (`BatchDeployApi::plan`: levels, predicted addresses); nothing is
//! sent. The key (`--suri`, or `PEX_DEPLOY_SURI`) only names the deployer; it never leaves the
//! client.

use clap::{Parser, Subcommand};
use pex_deploy::{
	client::DeployClient,
	manifest::read_input,
	plan::{plan_error_text, report},
	resolve,
	spec::to_specs,
};
use std::{path::PathBuf, process::ExitCode, str::FromStr};
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

async fn run(cli: Cli) -> Result<(), String> {
	match cli.command {
		Command::Plan { input, url, suri } => {
			let (requests, artifacts) = read_input(&input).map_err(|e| e.to_string())?;
			let suite = resolve(&requests, &artifacts).map_err(|e| e.to_string())?;
			let specs = to_specs(&suite).map_err(|e| e.to_string())?;
			let key = SecretUri::from_str(&suri)
				.ok()
				.and_then(|uri| Keypair::from_uri(&uri).ok())
				.ok_or("the key (--suri / PEX_DEPLOY_SURI) is not a valid secret URI")?;
			let deployer = pex_runtime::AccountId::from(key.public_key().0);
			let client = DeployClient::connect(&url).await.map_err(|e| e.to_string())?;
			let plan = client.plan(&deployer, &specs).await.map_err(|e| e.to_string())?.map_err(
				|error| {
					format!("the runtime refuses the batch: {}", plan_error_text(&error, &suite))
				},
			)?;
			let report = report(&suite, &plan);
			println!("{}", serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?);
			Ok(())
		},
	}
}
