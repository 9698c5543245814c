//! `pex-deploy serve`: the REST service over batch deployment.
//!
//! - `POST /api/v1/deployments/batch`: deploy a suite (`use_pef: false` deploys one contract per
//!   extrinsic, the sequential baseline) and answer with the report; with `?wait=false` answer `202
//!   Accepted` with the deployment's id at once.
//! - `POST /api/v1/deployments/plan`: the plan (levels, addresses, extrinsics, fees); nothing is
//!   sent.
//! - `GET /api/v1/deployments/{id}`: where a deployment stands, and its report once done.
//! - `GET /api/v1/openapi.json`: the OpenAPI document of all of this.
//!
//! The service signs with the key configured when it starts; a request that carries a
//! `private_key` is refused (keys in request bodies leak into logs and proxies). Deployments are
//! sent one at a time (they share the key's nonces). Every error is `{"success": false, "error":
//! "..."}` with a status that says whose fault it is: 400 the request, 401 the token, 413 the
//! size, 422 the runtime refuses the suite, 502 the node.

use crate::{
	batches::Strategy,
	deploy::{deploy, DeployReport, Progress},
	plan::{report, PlanReport},
	prepare::prepare,
	suite::ContractRequest,
	DeployClient, Error,
};
use axum::{
	body::Bytes,
	extract::{rejection::BytesRejection, DefaultBodyLimit, Path, Query, Request, State},
	http::{header, HeaderValue, StatusCode},
	middleware::{self, Next},
	response::{IntoResponse, Response},
	routing::{get, post},
	Json, Router,
};
use pallet_batch_deploy::DeployMode;
use serde::{Deserialize, Serialize};
use sp_runtime::traits::Get;
use std::{
	collections::BTreeMap,
	sync::{Arc, Mutex},
};
use subxt_signer::sr25519::Keypair;

/// The OpenAPI document of the service.
pub const OPENAPI: &str = include_str!("openapi.json");

/// Deployments whose status is kept for `GET /api/v1/deployments/{id}`; older ones are forgotten.
const KEPT_DEPLOYMENTS: usize = 1024;

/// How the service is set up.
pub struct ServiceConfig {
	/// The node's RPC (`ws://127.0.0.1:9944`).
	pub url: String,
	/// The key every deployment is signed with.
	pub key: Keypair,
	/// If set, every request to `/api/v1/deployments` must carry `Authorization: Bearer <token>`.
	pub token: Option<String>,
	/// The largest request body accepted, in bytes.
	pub max_request_bytes: usize,
}

/// A deployment request (the body of `POST /api/v1/deployments/batch` and `/plan`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
	/// The contracts of the suite, in batch order.
	pub contracts: Vec<ContractRequest>,
	/// `true` (default): batch deployment; `false`: one contract per extrinsic, each after the
	/// previous is in a block.
	#[serde(default = "yes")]
	pub use_pef: bool,
	/// The most contracts in one batch (default and ceiling: the runtime's bound).
	#[serde(default)]
	pub max_parallel: Option<u32>,
	/// Deploy what can be deployed when a contract fails (default: all or nothing).
	#[serde(default)]
	pub best_effort: bool,
}

fn yes() -> bool {
	true
}

impl BatchRequest {
	/// How the request's suite is sent.
	pub fn strategy(&self) -> Strategy {
		let bound = <pex_runtime::Runtime as pallet_batch_deploy::Config>::MaxContracts::get();
		match self.use_pef {
			true =>
				Strategy::Batch { max_contracts: self.max_parallel.unwrap_or(bound).min(bound) },
			false => Strategy::Sequential,
		}
	}

	/// What happens when a contract fails.
	pub fn mode(&self) -> DeployMode {
		if self.best_effort {
			DeployMode::BestEffort
		} else {
			DeployMode::AllOrNothing
		}
	}
}

/// An error answer: its status and `{"success": false, "error": ...}`.
#[derive(Debug)]
pub struct ApiError {
	status: StatusCode,
	error: String,
}

impl ApiError {
	fn new(status: StatusCode, error: impl Into<String>) -> Self {
		Self { status, error: error.into() }
	}
}

impl From<Error> for ApiError {
	fn from(error: Error) -> Self {
		let status = match &error {
			Error::Input(_) | Error::Request(_) | Error::Suite(_) | Error::Spec(_) =>
				StatusCode::BAD_REQUEST,
			Error::Refused(_) | Error::AddressMismatch { .. } => StatusCode::UNPROCESSABLE_ENTITY,
			Error::Client(_) => StatusCode::BAD_GATEWAY,
			Error::Key => StatusCode::INTERNAL_SERVER_ERROR,
		};
		Self::new(status, error.to_string())
	}
}

impl IntoResponse for ApiError {
	fn into_response(self) -> Response {
		(self.status, Json(serde_json::json!({ "success": false, "error": self.error })))
			.into_response()
	}
}

/// Where a deployment stands (`GET /api/v1/deployments/{id}`).
#[derive(Clone, Debug, Serialize)]
pub struct DeploymentStatus {
	/// Its id.
	pub id: u64,
	/// `preparing`, `deploying`, `completed` (report present) or `failed` (error present).
	pub status: &'static str,
	/// Extrinsics to send (once prepared).
	pub extrinsics: usize,
	/// Extrinsics sent so far.
	pub sent: usize,
	/// Extrinsics in a block so far.
	pub included: usize,
	/// Extrinsics finalized so far.
	pub finalized: usize,
	/// The report, once completed.
	pub report: Option<DeployReport>,
	/// Why it stopped, if it failed before a report.
	pub error: Option<String>,
}

/// The service's state.
struct Service {
	config: ServiceConfig,
	deployments: Mutex<BTreeMap<u64, DeploymentStatus>>,
	/// Held while a deployment is prepared and sent: they share the key's nonces.
	sending: tokio::sync::Mutex<()>,
}

impl Service {
	fn update(&self, id: u64, change: impl FnOnce(&mut DeploymentStatus)) {
		let mut deployments = self.deployments.lock().unwrap_or_else(|e| e.into_inner());
		if let Some(status) = deployments.get_mut(&id) {
			change(status);
		}
	}

	fn register(&self) -> u64 {
		let mut deployments = self.deployments.lock().unwrap_or_else(|e| e.into_inner());
		let id = deployments.last_key_value().map_or(1, |(id, _)| id + 1);
		deployments.insert(
			id,
			DeploymentStatus {
				id,
				status: "preparing",
				extrinsics: 0,
				sent: 0,
				included: 0,
				finalized: 0,
				report: None,
				error: None,
			},
		);
		while deployments.len() > KEPT_DEPLOYMENTS {
			deployments.pop_first();
		}
		id
	}

	/// Prepare and send `request` as deployment `id`.
	async fn run(&self, id: u64, request: BatchRequest) -> Result<DeployReport, ApiError> {
		let _sending = self.sending.lock().await;
		let outcome = async {
			let client = DeployClient::connect(&self.config.url).await?;
			let prepared = prepare(
				&client,
				&self.config.key,
				&request.contracts,
				&[],
				request.strategy(),
				request.mode(),
			)
			.await?;
			self.update(id, |status| {
				status.status = "deploying";
				status.extrinsics = prepared.batches.len();
			});
			deploy(&client, &self.config.key, &prepared, request.mode(), |progress| {
				self.update(id, |status| match progress {
					Progress::Sent { .. } => status.sent += 1,
					Progress::Included { .. } => status.included += 1,
					Progress::Finalized { .. } => status.finalized += 1,
				})
			})
			.await
		}
		.await;
		match outcome {
			Ok(report) => {
				self.update(id, |status| {
					status.status = "completed";
					status.report = Some(report.clone());
				});
				Ok(report)
			},
			Err(error) => {
				let error = ApiError::from(error);
				self.update(id, |status| {
					status.status = "failed";
					status.error = Some(error.error.clone());
				});
				Err(error)
			},
		}
	}
}

/// The request in `body`: JSON of [`BatchRequest`]'s shape, without a key in it.
fn parse(body: Result<Bytes, BytesRejection>) -> Result<BatchRequest, ApiError> {
	let body =
		body.map_err(|rejection| ApiError::new(rejection.status(), rejection.body_text()))?;
	let json: serde_json::Value = serde_json::from_slice(&body).map_err(|error| {
		ApiError::new(StatusCode::BAD_REQUEST, format!("the body is not valid JSON: {error}"))
	})?;
	if carries_key(&json) {
		return Err(ApiError::new(
			StatusCode::BAD_REQUEST,
			"requests must not carry a `private_key`: keys in request bodies leak into logs and \
			 proxies. The service signs with the key configured when it starts (`pex-deploy \
			 serve --suri`, `PEX_DEPLOY_SURI` or `--key-file`)",
		))
	}
	serde_json::from_value(json).map_err(|error| {
		ApiError::new(StatusCode::BAD_REQUEST, format!("the request is malformed: {error}"))
	})
}

/// Whether `json` has a `private_key` field at its top level or in one of its contracts.
fn carries_key(json: &serde_json::Value) -> bool {
	let has_key = |value: &serde_json::Value| value.get("private_key").is_some();
	has_key(json) ||
		json.get("contracts")
			.and_then(|contracts| contracts.as_array())
			.is_some_and(|contracts| contracts.iter().any(has_key))
}

/// `?wait=false` of `POST /api/v1/deployments/batch`.
#[derive(Deserialize)]
struct WaitQuery {
	#[serde(default = "yes")]
	wait: bool,
}

/// The report of a finished deployment, with its id.
#[derive(Serialize)]
struct Finished {
	id: u64,
	#[serde(flatten)]
	report: DeployReport,
}

async fn batch(
	State(service): State<Arc<Service>>,
	Query(query): Query<WaitQuery>,
	body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
	let request = parse(body)?;
	let id = service.register();
	// The deployment runs on its own task, so a client that goes away does not cut it short; its
	// outcome is kept in the deployment's status either way.
	let running = service.clone();
	let deployment = tokio::spawn(async move { running.run(id, request).await });
	if !query.wait {
		let location = format!("/api/v1/deployments/{id}");
		let mut response = (
			StatusCode::ACCEPTED,
			Json(serde_json::json!({ "id": id, "status": "preparing", "location": location })),
		)
			.into_response();
		if let Ok(value) = HeaderValue::from_str(&location) {
			response.headers_mut().insert(header::LOCATION, value);
		}
		return Ok(response)
	}
	let report = deployment.await.map_err(|error| {
		ApiError::new(
			StatusCode::INTERNAL_SERVER_ERROR,
			format!("deployment {id} stopped: {error}"),
		)
	})??;
	Ok(Json(Finished { id, report }).into_response())
}

async fn plan(
	State(service): State<Arc<Service>>,
	body: Result<Bytes, BytesRejection>,
) -> Result<Json<PlanReport>, ApiError> {
	let request = parse(body)?;
	let client = DeployClient::connect(&service.config.url).await.map_err(Error::from)?;
	let prepared = prepare(
		&client,
		&service.config.key,
		&request.contracts,
		&[],
		request.strategy(),
		request.mode(),
	)
	.await?;
	Ok(Json(report(&prepared)))
}

async fn status(
	State(service): State<Arc<Service>>,
	Path(id): Path<u64>,
) -> Result<Json<DeploymentStatus>, ApiError> {
	let deployments = service.deployments.lock().unwrap_or_else(|e| e.into_inner());
	deployments
		.get(&id)
		.cloned()
		.map(Json)
		.ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no deployment {id}")))
}

async fn openapi() -> Response {
	([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

/// Requests without the configured bearer token are refused with 401.
async fn authorize(
	State(service): State<Arc<Service>>,
	request: Request,
	next: Next,
) -> Result<Response, Response> {
	if let Some(token) = &service.config.token {
		let given = request
			.headers()
			.get(header::AUTHORIZATION)
			.and_then(|value| value.to_str().ok())
			.and_then(|value| value.strip_prefix("Bearer "));
		if given != Some(token.as_str()) {
			let mut response = ApiError::new(
				StatusCode::UNAUTHORIZED,
				"this service requires `Authorization: Bearer <token>` with its configured token",
			)
			.into_response();
			response
				.headers_mut()
				.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
			return Err(response)
		}
	}
	Ok(next.run(request).await)
}

/// The service's routes over `config`.
pub fn router(config: ServiceConfig) -> Router {
	let limit = config.max_request_bytes;
	let service = Arc::new(Service {
		config,
		deployments: Mutex::new(BTreeMap::new()),
		sending: tokio::sync::Mutex::new(()),
	});
	let deployments = Router::new()
		.route("/api/v1/deployments/batch", post(batch))
		.route("/api/v1/deployments/plan", post(plan))
		.route("/api/v1/deployments/{id}", get(status))
		.layer(middleware::from_fn_with_state(service.clone(), authorize))
		.layer(DefaultBodyLimit::max(limit));
	Router::new()
		.route("/api/v1/openapi.json", get(openapi))
		.merge(deployments)
		.with_state(service)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_key_in_the_body_or_a_contract_is_found() {
		let json = |text: &str| serde_json::from_str::<serde_json::Value>(text).expect("json");
		assert!(carries_key(&json(r#"{"contracts": [], "private_key": "0x01"}"#)));
		assert!(carries_key(&json(
			r#"{"contracts": [{"contract_name": "A", "private_key": "k"}]}"#
		)));
		assert!(!carries_key(&json(r#"{"contracts": [{"contract_name": "A"}]}"#)));
	}

	#[test]
	fn the_openapi_document_describes_every_route_and_request_field() {
		let document: serde_json::Value = serde_json::from_str(OPENAPI).expect("valid JSON");
		let paths = document["paths"].as_object().expect("paths");
		for path in [
			"/api/v1/deployments/batch",
			"/api/v1/deployments/plan",
			"/api/v1/deployments/{id}",
			"/api/v1/openapi.json",
		] {
			assert!(paths.contains_key(path), "{path} is not documented");
		}
		let request = &document["components"]["schemas"]["BatchRequest"]["properties"];
		for field in ["contracts", "use_pef", "max_parallel", "best_effort"] {
			assert!(request.get(field).is_some(), "BatchRequest.{field} is not documented");
		}
		let report = &document["components"]["schemas"]["DeployReport"]["properties"];
		let example = serde_json::to_value(DeployReport {
			success: true,
			deployments: Vec::new(),
			total_time: 0.0,
			parallel_count: 0,
			success_count: 0,
			failed_count: 0,
			batches_deployed: 0,
			blocks_used: 0,
			strategy: "batch",
			weight_ref_time: None,
		})
		.expect("serializes");
		for field in example.as_object().expect("an object").keys() {
			assert!(report.get(field).is_some(), "DeployReport.{field} is not documented");
		}
	}

	#[test]
	fn use_pef_false_is_sequential_and_max_parallel_is_capped_by_the_runtime() {
		let request = |text: &str| serde_json::from_str::<BatchRequest>(text).expect("request");
		assert_eq!(
			request(r#"{"contracts": [], "use_pef": false}"#).strategy(),
			Strategy::Sequential
		);
		let bound = <pex_runtime::Runtime as pallet_batch_deploy::Config>::MaxContracts::get();
		assert_eq!(
			request(r#"{"contracts": [], "max_parallel": 100000}"#).strategy(),
			Strategy::Batch { max_contracts: bound }
		);
		assert_eq!(
			request(r#"{"contracts": [], "max_parallel": 2}"#).strategy(),
			Strategy::Batch { max_contracts: 2 }
		);
		assert!(serde_json::from_str::<BatchRequest>(r#"{"contracts": [], "gas": 1}"#).is_err());
	}
}
