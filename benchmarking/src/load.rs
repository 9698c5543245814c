//! Load on a running node: signed transfers among funded accounts, submitted over RPC with
//! subxt at a target rate, and what the chain made of them (`pex-bench load`). The end-to-end
//! tests of `pex-node` drive the node through the same [`NodeClient`].

use futures::{stream, StreamExt};
use std::{
	collections::BTreeMap,
	str::FromStr,
	time::{Duration, Instant},
};
use subxt::{
	config::{polkadot::MultiAddress, DefaultExtrinsicParamsBuilder},
	dynamic,
	rpcs::client::{rpc_params, RpcClient},
	utils::AccountId32,
	OnlineClient, PolkadotConfig,
};
use subxt_signer::{sr25519::Keypair, SecretUri};

/// What went wrong talking to the node.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
	/// The node's RPC could not be reached or answered with an error.
	#[error("rpc: {0}")]
	Rpc(String),
	/// subxt could not build, sign or decode something against the node's metadata.
	#[error("subxt: {0}")]
	Client(String),
	/// The chain did not do what was expected in time.
	#[error("{0}")]
	Timeout(String),
	/// A key could not be derived.
	#[error("key {0}: cannot derive it")]
	Key(String),
}

fn client_error(error: impl std::fmt::Display) -> LoadError {
	LoadError::Client(error.to_string())
}

fn rpc_error(error: impl std::fmt::Display) -> LoadError {
	LoadError::Rpc(error.to_string())
}

/// An RPC error with the data the node attached (why a transaction is invalid, for example),
/// which the error's `Display` leaves out.
fn rpc_call_error(error: subxt::rpcs::Error) -> LoadError {
	match error {
		subxt::rpcs::Error::User(user) => LoadError::Rpc(match user.data {
			Some(data) => format!("{} ({}): {}", user.message, user.code, data.get()),
			None => format!("{} ({})", user.message, user.code),
		}),
		other => rpc_error(other),
	}
}

/// The key of `//<uri>` (a development seed path such as `Alice` or `pex-load//7`).
pub fn dev_key(uri: &str) -> Result<Keypair, LoadError> {
	let secret =
		SecretUri::from_str(&format!("//{uri}")).map_err(|_| LoadError::Key(uri.into()))?;
	Keypair::from_uri(&secret).map_err(|_| LoadError::Key(uri.into()))
}

/// `n` load accounts, `//pex-load//0` to `//pex-load//<n-1>`: the same on every run.
pub fn load_accounts(n: usize) -> Result<Vec<Keypair>, LoadError> {
	(0..n).map(|i| dev_key(&format!("pex-load//{i}"))).collect()
}

/// The account of `key`.
pub fn account(key: &Keypair) -> AccountId32 {
	key.public_key().to_account_id()
}

/// The fields of `System::Account` the load generator reads.
#[derive(subxt::ext::scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct AccountInfo {
	nonce: u32,
	data: AccountData,
}

/// The field of `pallet_balances::AccountData` the load generator reads.
#[derive(subxt::ext::scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct AccountData {
	free: u128,
}

/// One signed transfer to make: `from` pays `value` to `to` with nonce `nonce`.
pub struct Transfer<'k> {
	/// The payer's key.
	pub from: &'k Keypair,
	/// The payer's nonce for this transfer.
	pub nonce: u64,
	/// The payee.
	pub to: AccountId32,
	/// Planck.
	pub value: u128,
}

/// A connection to a node: subxt for the chain, its RPC client for pex's own methods.
pub struct NodeClient {
	api: OnlineClient<PolkadotConfig>,
	rpc: RpcClient,
}

/// A block as the load generator saw it.
#[derive(Clone, Debug)]
pub struct SeenBlock {
	/// Its number.
	pub number: u64,
	/// Its signed extrinsics (the transfers, on a chain under load only).
	pub signed: usize,
	/// When the client learnt it was finalized.
	pub finalized_at: Instant,
}

impl NodeClient {
	/// Connect to the node at `url` (`ws://127.0.0.1:9944`).
	pub async fn connect(url: &str) -> Result<Self, LoadError> {
		let rpc = RpcClient::from_insecure_url(url).await.map_err(rpc_error)?;
		let api = OnlineClient::<PolkadotConfig>::from_rpc_client(rpc.clone())
			.await
			.map_err(client_error)?;
		Ok(Self { api, rpc })
	}

	/// The node's RPC client, for any method.
	pub fn rpc(&self) -> &RpcClient {
		&self.rpc
	}

	/// The subxt client.
	pub fn api(&self) -> &OnlineClient<PolkadotConfig> {
		&self.api
	}

	/// Call RPC method `method` with `params` (JSON values).
	pub async fn call(
		&self,
		method: &str,
		params: Vec<serde_json::Value>,
	) -> Result<serde_json::Value, LoadError> {
		let mut rpc_params = subxt::rpcs::client::RpcParams::new();
		for param in params {
			rpc_params.push(param).map_err(rpc_error)?;
		}
		self.rpc.request(method, rpc_params).await.map_err(rpc_call_error)
	}

	/// `pex_buildStats(count)`: the build records of the node's last `count` blocks.
	pub async fn build_stats(&self, count: u32) -> Result<Vec<serde_json::Value>, LoadError> {
		self.rpc.request("pex_buildStats", rpc_params![count]).await.map_err(rpc_error)
	}

	/// The next nonce of `who`, counting the pool (`system_accountNextIndex`).
	pub async fn next_nonce(&self, who: &AccountId32) -> Result<u64, LoadError> {
		self.rpc
			.request("system_accountNextIndex", rpc_params![who.to_string()])
			.await
			.map_err(rpc_error)
	}

	/// The free balance of `who` at the last finalized block.
	pub async fn free_balance(&self, who: &AccountId32) -> Result<u128, LoadError> {
		Ok(self.finalized_account(who).await?.data.free)
	}

	/// The nonce of `who` at the last finalized block.
	pub async fn finalized_nonce(&self, who: &AccountId32) -> Result<u64, LoadError> {
		Ok(self.finalized_account(who).await?.nonce.into())
	}

	/// `System::Account` of `who` at the last finalized block (the fields read here).
	async fn finalized_account(&self, who: &AccountId32) -> Result<AccountInfo, LoadError> {
		let at = self.api.at_current_block().await.map_err(client_error)?;
		let address = dynamic::storage::<([u8; 32],), AccountInfo>("System", "Account");
		let value = at.storage().fetch(address, (who.0,)).await.map_err(client_error)?;
		value.decode().map_err(client_error)
	}

	/// Sign `transfers` (each `transfer_keep_alive`) and submit them, up to 64 at a time; the
	/// result of each submission in order (the pool's hash, or why the node refused it).
	pub async fn submit_transfers(
		&self,
		transfers: &[Transfer<'_>],
	) -> Result<Vec<Result<subxt::config::polkadot::H256, LoadError>>, LoadError> {
		let at = self.api.at_current_block().await.map_err(client_error)?;
		let mut signed = Vec::with_capacity(transfers.len());
		for transfer in transfers {
			let call = dynamic::transaction(
				"Balances",
				"transfer_keep_alive",
				(MultiAddress::<AccountId32, ()>::Id(transfer.to), transfer.value),
			);
			let params = DefaultExtrinsicParamsBuilder::<PolkadotConfig>::new()
				.nonce(transfer.nonce)
				.build();
			let tx = at
				.tx()
				.create_signable_offline(&call, params)
				.map_err(client_error)?
				.sign(transfer.from)
				.map_err(client_error)?;
			signed.push(tx);
		}
		Ok(stream::iter(
			signed.iter().map(|tx| async move { tx.submit().await.map_err(rpc_error) }),
		)
		.buffered(64)
		.collect()
		.await)
	}

	/// Sign the encoded call `call_data` (a `RuntimeCall`'s SCALE bytes) by `from` with `nonce`
	/// and submit it; the pool's hash of it.
	pub async fn submit_call(
		&self,
		from: &Keypair,
		nonce: u64,
		call_data: &[u8],
	) -> Result<subxt::config::polkadot::H256, LoadError> {
		let at = self.api.at_current_block().await.map_err(client_error)?;
		let call = at.tx().from_call_data_bytes(call_data).map_err(client_error)?;
		let params = DefaultExtrinsicParamsBuilder::<PolkadotConfig>::new().nonce(nonce).build();
		let tx = at
			.tx()
			.create_signable_offline(&call, params)
			.map_err(client_error)?
			.sign(from)
			.map_err(client_error)?;
		tx.submit().await.map_err(rpc_error)
	}

	/// The events of finalized block `number`, each the SCALE bytes of a
	/// `frame_system::EventRecord` (phase, event, topics).
	pub async fn event_records(&self, number: u64) -> Result<Vec<Vec<u8>>, LoadError> {
		let at = self.api.at_block(number).await.map_err(client_error)?;
		let events = at.events().fetch().await.map_err(client_error)?;
		events
			.iter()
			.map(|event| Ok(event.map_err(client_error)?.bytes().to_vec()))
			.collect()
	}

	/// `state_call(method, args)` at the best block: a runtime API call with SCALE `args`; its
	/// SCALE result.
	pub async fn state_call(&self, method: &str, args: &[u8]) -> Result<Vec<u8>, LoadError> {
		let hex: String = self
			.rpc
			.request("state_call", rpc_params![method, format!("0x{}", to_hex(args))])
			.await
			.map_err(rpc_error)?;
		from_hex(&hex).ok_or_else(|| LoadError::Rpc(format!("state_call returned {hex}")))
	}

	/// Fund `accounts` with `value` each from the development accounts Alice to Ferdie, and wait
	/// until every transfer is finalized.
	pub async fn fund(&self, accounts: &[AccountId32], value: u128) -> Result<(), LoadError> {
		let funders = ["Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie"]
			.iter()
			.map(|name| dev_key(name))
			.collect::<Result<Vec<_>, _>>()?;
		let mut nonces = Vec::new();
		for funder in &funders {
			nonces.push(self.next_nonce(&account(funder)).await?);
		}
		let transfers: Vec<Transfer> = accounts
			.iter()
			.enumerate()
			.map(|(i, to)| {
				let f = i % funders.len();
				let nonce = nonces[f] + (i / funders.len()) as u64;
				Transfer { from: &funders[f], nonce, to: *to, value }
			})
			.collect();
		for result in self.submit_transfers(&transfers).await? {
			result?;
		}
		let expected: Vec<u64> = (0..funders.len())
			.map(|f| nonces[f] + accounts.iter().skip(f).step_by(funders.len()).count() as u64)
			.collect();
		let deadline = Instant::now() + Duration::from_secs(120);
		loop {
			let mut done = true;
			for (f, funder) in funders.iter().enumerate() {
				done &= self.finalized_nonce(&account(funder)).await? >= expected[f];
			}
			if done {
				return Ok(());
			}
			if Instant::now() > deadline {
				return Err(LoadError::Timeout("funding transfers not finalized in 120 s".into()));
			}
			tokio::time::sleep(Duration::from_millis(500)).await;
		}
	}

	/// The number of the last finalized block.
	pub async fn finalized_number(&self) -> Result<u64, LoadError> {
		Ok(self.api.at_current_block().await.map_err(client_error)?.block_number())
	}

	/// Count the signed extrinsics of finalized block `number`.
	pub async fn signed_in_block(&self, number: u64) -> Result<usize, LoadError> {
		let at = self.api.at_block(number).await.map_err(client_error)?;
		let extrinsics = at.extrinsics().fetch().await.map_err(client_error)?;
		Ok(extrinsics
			.iter()
			.filter(|xt| xt.as_ref().is_ok_and(|xt| xt.is_signed()))
			.count())
	}
}

/// Lower-case hex of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of hex `text` (with or without `0x`), if it is hex.
pub fn from_hex(text: &str) -> Option<Vec<u8>> {
	let text = text.strip_prefix("0x").unwrap_or(text);
	if !text.len().is_multiple_of(2) {
		return None;
	}
	(0..text.len())
		.step_by(2)
		.map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
		.collect()
}

/// What `pex-bench load` does.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadConfig {
	/// The node's WebSocket RPC.
	pub url: String,
	/// Accounts sending (and receiving) transfers.
	pub accounts: usize,
	/// Transfers submitted per second.
	pub tps: u32,
	/// How long to submit.
	pub duration: Duration,
	/// Randomness of the payees.
	pub seed: u64,
}

/// What the chain made of a load run.
#[derive(Clone, Debug)]
pub struct LoadReport {
	/// Transfers submitted and accepted by the pool.
	pub submitted: usize,
	/// Transfers the node refused at submission.
	pub refused: usize,
	/// Finalized blocks from the first submission until the pool drained, with their signed
	/// extrinsics.
	pub blocks: Vec<SeenBlock>,
	/// The node's build records of those blocks, by number.
	pub stats: BTreeMap<u64, serde_json::Value>,
	/// From the first submission to the finalization of the last block holding a transfer.
	pub elapsed: Duration,
}

impl LoadReport {
	/// Signed extrinsics finalized in the run's blocks.
	pub fn finalized(&self) -> usize {
		self.blocks.iter().map(|b| b.signed).sum()
	}

	/// Finalized transfers per second.
	pub fn finalized_per_second(&self) -> f64 {
		self.finalized() as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
	}
}

/// Fund `config.accounts` accounts, submit transfers among them at `config.tps` for
/// `config.duration`, wait until the pool drains (or two minutes), and report. `progress` shows
/// the seconds of submission, then the finalized transfers.
pub async fn run_load(
	config: &LoadConfig,
	progress: &indicatif::ProgressBar,
) -> Result<LoadReport, LoadError> {
	use rand::{Rng, SeedableRng};
	let node = NodeClient::connect(&config.url).await?;
	let keys = load_accounts(config.accounts.max(2))?;
	let accounts: Vec<AccountId32> = keys.iter().map(account).collect();
	progress.set_message(format!("funding {} accounts", accounts.len()));
	node.fund(&accounts, 1_000 * pex_runtime::UNIT).await?;
	progress.set_length(config.duration.as_secs());
	let mut nonces = Vec::new();
	for who in &accounts {
		nonces.push(node.next_nonce(who).await?);
	}

	let first_block = node.finalized_number().await? + 1;
	let started = Instant::now();
	let mut rng = rand::rngs::StdRng::seed_from_u64(config.seed);
	let (mut submitted, mut refused, mut sender) = (0, 0, 0usize);
	let tick = Duration::from_millis(100);
	let mut owed = 0.0;
	while started.elapsed() < config.duration {
		let tick_started = Instant::now();
		owed += f64::from(config.tps) * tick.as_secs_f64();
		let count = owed as usize;
		owed -= count as f64;
		let mut transfers = Vec::with_capacity(count);
		for _ in 0..count {
			let from = sender % keys.len();
			sender += 1;
			let to = (from + rng.gen_range(1..keys.len())) % keys.len();
			transfers.push(Transfer {
				from: &keys[from],
				nonce: nonces[from],
				to: accounts[to],
				value: pex_runtime::MILLI_UNIT * 10,
			});
			nonces[from] += 1;
		}
		for result in node.submit_transfers(&transfers).await? {
			match result {
				Ok(_) => submitted += 1,
				Err(_) => refused += 1,
			}
		}
		progress.set_position(started.elapsed().as_secs());
		progress.set_message(format!("submitted {submitted}, refused {refused}"));
		if let Some(rest) = tick.checked_sub(tick_started.elapsed()) {
			tokio::time::sleep(rest).await;
		}
	}

	// Follow finalized blocks until every submitted transfer is in one, or two minutes pass.
	let mut blocks = Vec::new();
	let mut next = first_block;
	let mut finalized = 0;
	let drain_deadline = Instant::now() + Duration::from_secs(120);
	let mut last_transfer_at = started;
	progress.set_length(submitted as u64);
	while finalized < submitted && Instant::now() < drain_deadline {
		progress.set_position(finalized as u64);
		progress.set_message("finalized transfers");
		let head = node.finalized_number().await?;
		while next <= head {
			let signed = node.signed_in_block(next).await?;
			let block = SeenBlock { number: next, signed, finalized_at: Instant::now() };
			finalized += signed;
			if signed > 0 {
				last_transfer_at = block.finalized_at;
			}
			blocks.push(block);
			next += 1;
		}
		tokio::time::sleep(Duration::from_millis(250)).await;
	}
	let mut stats = BTreeMap::new();
	for record in node.build_stats(1_024).await.unwrap_or_default() {
		if let Some(number) = record.get("number").and_then(serde_json::Value::as_u64) {
			if number >= first_block {
				stats.insert(number, record);
			}
		}
	}
	progress.finish_and_clear();
	Ok(LoadReport { submitted, refused, blocks, stats, elapsed: last_transfer_at - started })
}
