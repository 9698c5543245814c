//! The `pex-deploy` binary against a running `pex-node --dev`: its CLI (`plan`, `run` from
//! Foundry's and Hardhat's layouts (the latter again at new addresses by `--salt`) and from
//! solc's standard-JSON output, keys from `--suri`, the environment and a key file) and its REST
//! service (`pex-deploy serve`): the suite deploys through `POST /api/v1/deployments/batch`,
//! batched and sequentially, waited for or followed at `GET /api/v1/deployments/{id}`, and its
//! contracts answer where the report says. Every bad request gets a clear error and deploys
//! nothing: a cycle, an unknown dependency, an unbound constructor parameter, malformed bytecode,
//! bad JSON, an oversize body, a `private_key`, a missing token.

use crate::common::{abi_address, dry_run, free_port, TestDir, TestNode};
use pex_deploy::{artifact::decode_hex, load, DeployClient};
use serde_json::{json, Value};
use std::{
	io::{Read, Write},
	net::TcpStream,
	path::{Path, PathBuf},
	process::{Child, Command, Output, Stdio},
	time::{Duration, Instant},
};

fn fixtures() -> PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/deploy/fixtures/suite")
}

/// The `pex-deploy` binary of this build (cargo builds the workspace's binaries next to the
/// test executables' directory).
fn pex_deploy() -> PathBuf {
	let exe = std::env::current_exe().expect("the test's path");
	let binary = exe
		.parent()
		.and_then(Path::parent)
		.map(|dir| dir.join("pex-deploy"))
		.expect("a target directory");
	assert!(binary.exists(), "{} is missing: cargo build -p pex-deploy", binary.display());
	binary
}

/// `pex-deploy args` run to completion.
fn cli(args: &[&str], env: &[(&str, &str)]) -> Output {
	let mut command = Command::new(pex_deploy());
	command.args(args).env_remove("PEX_DEPLOY_SURI");
	for (name, value) in env {
		command.env(name, value);
	}
	command.output().expect("pex-deploy runs")
}

fn stdout_json(output: &Output) -> Value {
	assert!(
		output.status.success(),
		"pex-deploy failed: {}",
		String::from_utf8_lossy(&output.stderr)
	);
	serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

/// A running `pex-deploy serve`, killed on drop.
struct Service {
	child: Child,
	port: u16,
}

impl Service {
	fn start(url: &str, suri: &str, token: &str, max_request_bytes: usize) -> Self {
		let port = free_port();
		let child = Command::new(pex_deploy())
			.args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--url", url])
			.args(["--suri", suri, "--token", token])
			.args(["--max-request-bytes", &max_request_bytes.to_string()])
			.stdout(Stdio::null())
			.stderr(Stdio::null())
			.spawn()
			.expect("pex-deploy serve starts");
		let deadline = Instant::now() + Duration::from_secs(30);
		while TcpStream::connect(("127.0.0.1", port)).is_err() {
			assert!(Instant::now() < deadline, "pex-deploy serve does not listen");
			std::thread::sleep(Duration::from_millis(100));
		}
		Self { child, port }
	}

	/// `method path` with `body`, and the bearer `token` if given: the status and JSON answer.
	fn request(&self, method: &str, path: &str, token: Option<&str>, body: &[u8]) -> (u16, Value) {
		let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connects");
		stream.set_read_timeout(Some(Duration::from_secs(180))).expect("a timeout");
		let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
		let head = format!(
			"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{auth}\
			 Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
			body.len()
		);
		stream.write_all(head.as_bytes()).expect("writes");
		// The service may answer (413) before reading all of an oversize body.
		let _ = stream.write_all(body);
		let mut answer = Vec::new();
		let _ = stream.read_to_end(&mut answer);
		let text = String::from_utf8_lossy(&answer);
		let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP answer");
		let status = head
			.split(' ')
			.nth(1)
			.and_then(|code| code.parse().ok())
			.expect("a status line");
		(status, serde_json::from_str(body).unwrap_or(Value::String(body.to_owned())))
	}
}

impl Drop for Service {
	fn drop(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}
}

/// The suite's REST request: inline bytecode and ABI from solc's standard-JSON output, Token's
/// constructor arguments, Factory and Router bound to it by their `contract` parameters.
fn suite_request(salt: &str, use_pef: bool) -> Value {
	let artifacts = load(&fixtures().join("solc-output.json")).expect("artifacts");
	let contracts: Vec<Value> = ["Router", "Factory", "Token"]
		.iter()
		.map(|name| {
			let artifact = artifacts.iter().find(|a| a.name == *name).expect(name);
			let bytecode: String = artifact.bytecode.iter().map(|b| format!("{b:02x}")).collect();
			let mut contract = json!({
				"contract_name": name,
				"compiled_contract": {"bytecode": format!("0x{bytecode}"), "abi": artifact.abi},
				"salt": salt.repeat(32),
			});
			if *name == "Token" {
				contract["constructor_args"] = json!({"name_": "PEX", "supply": "1000000"});
			}
			contract
		})
		.collect();
	json!({"contracts": contracts, "use_pef": use_pef})
}

fn address_of(report: &Value, name: &str) -> sp_core::H160 {
	let deployment = report["deployments"]
		.as_array()
		.and_then(|all| all.iter().find(|d| d["contract_name"] == name))
		.unwrap_or_else(|| panic!("{name} in {report}"));
	let text = deployment["contract_address"].as_str().unwrap_or_else(|| panic!("{report}"));
	sp_core::H160::from_slice(&decode_hex(text).expect("hex"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_and_the_rest_service_deploy_the_suite_and_refuse_bad_requests() {
	let dir = TestDir::new("deploy-service");
	let node = TestNode::start(&dir.path().join("dev"), &["--dev"]);
	let _ = node.connected(|url| async move { DeployClient::connect(&url).await }).await;
	let url = node.url();
	let node_client = node.client().await;
	let answers = |report: Value| {
		let node_client = &node_client;
		async move {
			assert_eq!(report["success"], true, "{report}");
			for (contract, function, answer) in
				[("Router", "token()", "Token"), ("Router", "factory()", "Factory")]
			{
				let word = dry_run(node_client, address_of(&report, contract), function).await;
				assert_eq!(
					abi_address(&word),
					address_of(&report, answer),
					"{contract}.{function}"
				);
			}
		}
	};

	// CLI: plan from Hardhat's layout, the key from the environment.
	let toml = fixtures().join("manifest.toml");
	let plan = stdout_json(&cli(
		&["plan", toml.to_str().expect("utf-8"), "--url", &url],
		&[("PEX_DEPLOY_SURI", "//Alice")],
	));
	assert_eq!(plan["levels"], json!([["Token"], ["Factory"], ["Router"]]));
	assert_eq!(plan["extrinsics"].as_array().map(Vec::len), Some(1), "{plan}");

	// CLI: run from Foundry's layout, one contract per batch, the key from a file, the report
	// written; the contracts land where the plan said.
	let key_file = dir.path().join("key");
	std::fs::write(&key_file, "//Alice\n").expect("the key file");
	let report_file = dir.path().join("report.json");
	let json_manifest = fixtures().join("manifest.json");
	let run = cli(
		&[
			"run",
			json_manifest.to_str().expect("utf-8"),
			"--url",
			&url,
			"--key-file",
			key_file.to_str().expect("utf-8"),
			"--max-parallel",
			"1",
			"--report",
			report_file.to_str().expect("utf-8"),
		],
		&[],
	);
	let report = stdout_json(&run);
	let written: Value =
		serde_json::from_slice(&std::fs::read(&report_file).expect("the report file"))
			.expect("JSON");
	assert_eq!(report, written);
	assert_eq!(
		(report["batches_deployed"].as_u64(), report["success_count"].as_u64()),
		(Some(3), Some(3))
	);
	for name in ["Token", "Factory", "Router"] {
		let planned = plan["contracts"]
			.as_array()
			.and_then(|all| all.iter().find(|c| c["contract_name"] == name))
			.expect(name);
		assert_eq!(
			planned["contract_address"].as_str().map(str::to_lowercase),
			Some(format!("{:?}", address_of(&report, name))),
		);
	}
	answers(report.clone()).await;

	// CLI: the same suite from Hardhat's layout again, at new addresses by `--salt`, pipelined.
	let again = stdout_json(&cli(
		&[
			"run",
			toml.to_str().expect("utf-8"),
			"--url",
			&url,
			"--suri",
			"//Alice",
			"--salt",
			&"07".repeat(32),
			"--pipelined",
		],
		&[],
	));
	assert_eq!(again["strategy"], "pipelined");
	assert_ne!(address_of(&again, "Router"), address_of(&report, "Router"), "a new salt");
	answers(again).await;

	// CLI: solc's standard-JSON output alone gives Token no constructor arguments: the error names
	// the contract and the parameter, exits with 1, and sends nothing.
	let solc = fixtures().join("solc-output.json");
	let unbound =
		cli(&["run", solc.to_str().expect("utf-8"), "--url", &url, "--suri", "//Alice"], &[]);
	assert!(!unbound.status.success());
	let stderr = String::from_utf8_lossy(&unbound.stderr);
	assert!(stderr.contains("Token") && stderr.contains("name_"), "{stderr}");
	let no_key = cli(&["plan", solc.to_str().expect("utf-8"), "--url", &url], &[]);
	assert!(!no_key.status.success(), "a key is required");

	// REST: the service signs as Bob, requires its token, takes at most 64 KiB.
	let token = "s3cret";
	let service = Service::start(&url, "//Bob", token, 64 * 1024);
	let (status, openapi) = service.request("GET", "/api/v1/openapi.json", None, b"");
	assert_eq!(status, 200);
	assert!(openapi["paths"]["/api/v1/deployments/batch"].is_object());
	let body = |value: &Value| serde_json::to_vec(value).expect("JSON");
	let batch = "/api/v1/deployments/batch";
	let (status, _) = service.request("POST", batch, None, &body(&suite_request("05", true)));
	assert_eq!(status, 401, "no token");
	let (status, _) =
		service.request("POST", batch, Some("wrong"), &body(&suite_request("05", true)));
	assert_eq!(status, 401, "a wrong token");

	// Bad requests: each a 400 (413) whose message says what is wrong.
	let mut with_key = suite_request("05", true);
	with_key["private_key"] = json!("0x0123");
	let mut cycle = suite_request("05", true);
	cycle["contracts"][2]["dependencies"] = json!(["Router"]);
	let mut unknown = suite_request("05", true);
	unknown["contracts"][0]["dependencies"] = json!(["Vault"]);
	let mut unbound = suite_request("05", true);
	unbound["contracts"][2]["constructor_args"] = Value::Null;
	let mut malformed = suite_request("05", true);
	malformed["contracts"][1]["compiled_contract"]["bytecode"] = json!("0xnot-hex");
	for (what, request, expected) in [
		("a private key", body(&with_key), "--suri"),
		("a cycle", body(&cycle), "cycle"),
		("an unknown dependency", body(&unknown), "Vault"),
		("an unbound parameter", body(&unbound), "name_"),
		("malformed bytecode", body(&malformed), "Factory"),
		("bad JSON", b"{\"contracts\": [".to_vec(), "not valid JSON"),
		("an unknown field", br#"{"contracts": [], "gas_limit": 1}"#.to_vec(), "gas_limit"),
	] {
		let (status, answer) = service.request("POST", batch, Some(token), &request);
		assert_eq!(status, 400, "{what}: {answer}");
		assert_eq!(answer["success"], false, "{what}");
		let error = answer["error"].as_str().unwrap_or_default();
		assert!(error.contains(expected), "{what}: {error}");
	}
	let oversize = vec![b' '; 100 * 1024];
	let (status, _) = service.request("POST", batch, Some(token), &oversize);
	assert_eq!(status, 413, "an oversize body");

	// The plan, then the suite batched (waited for) and sequentially (followed by its id).
	let (status, plan) = service.request(
		"POST",
		"/api/v1/deployments/plan",
		Some(token),
		&body(&suite_request("05", true)),
	);
	assert_eq!(status, 200, "{plan}");
	assert_eq!(plan["extrinsics"].as_array().map(Vec::len), Some(1));
	let (status, batched) =
		service.request("POST", batch, Some(token), &body(&suite_request("05", true)));
	assert_eq!(status, 200, "{batched}");
	assert_eq!(
		(batched["batches_deployed"].as_u64(), batched["strategy"].as_str()),
		(Some(1), Some("batch"))
	);
	let id = batched["id"].as_u64().expect("an id");
	let (status, known) =
		service.request("GET", &format!("/api/v1/deployments/{id}"), Some(token), b"");
	assert_eq!((status, known["status"].as_str()), (200, Some("completed")));
	answers(batched).await;

	let (status, accepted) = service.request(
		"POST",
		&format!("{batch}?wait=false"),
		Some(token),
		&body(&suite_request("06", false)),
	);
	assert_eq!(status, 202, "{accepted}");
	let location = accepted["location"].as_str().expect("a location").to_owned();
	let deadline = Instant::now() + Duration::from_secs(180);
	let sequential = loop {
		let (status, state) = service.request("GET", &location, Some(token), b"");
		assert_eq!(status, 200, "{state}");
		match state["status"].as_str() {
			Some("completed") => break state["report"].clone(),
			Some("preparing" | "deploying") if Instant::now() < deadline =>
				tokio::time::sleep(Duration::from_millis(500)).await,
			_ => panic!("the deployment did not complete: {state}"),
		}
	};
	assert_eq!(
		(sequential["batches_deployed"].as_u64(), sequential["strategy"].as_str()),
		(Some(3), Some("sequential"))
	);
	assert!(sequential["blocks_used"].as_u64().is_some_and(|blocks| blocks >= 3), "{sequential}");
	answers(sequential).await;
	let (status, _) = service.request("GET", "/api/v1/deployments/999", Some(token), b"");
	assert_eq!(status, 404);
}
