//! An execution trace of one build: when each group started, what it read and wrote, and how
//! each group was committed, on which thread. Exported as Chrome trace-event JSON
//! (`chrome://tracing`, Perfetto).

use std::{
	sync::Mutex,
	time::{Duration, Instant},
};

/// What happened.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TraceKind {
	/// A group started executing (in parallel, or again on the merged state).
	Start,
	/// A key was read from the parent state.
	Read,
	/// A group's execution left a key changed.
	Write,
	/// One extrinsic was applied; `duration` is how long it took.
	Apply,
	/// A group's result was kept (merged) or replaced by its re-execution.
	Commit,
}

impl TraceKind {
	fn name(self) -> &'static str {
		match self {
			Self::Start => "START",
			Self::Read => "READ",
			Self::Write => "WRITE",
			Self::Apply => "APPLY",
			Self::Commit => "COMMIT",
		}
	}
}

/// One event of a [`Trace`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TraceEvent {
	/// What happened.
	pub kind: TraceKind,
	/// The group (its position in block order) it belongs to.
	pub group: usize,
	/// The thread: 0 is the thread that called `build`, `n` the pool's thread `n - 1`.
	pub thread: usize,
	/// Time since the build started.
	pub at: Duration,
	/// How long it lasted (`Apply`), zero for instants.
	pub duration: Duration,
	/// Details: the key in hex (`Read`, `Write`), the extrinsic index (`Apply`); for `Commit`:
	/// `kept`, `rejected: <why>` (the key that conflicted), `re-executed`, `refill round <n>`, or
	/// a key of the base a re-executed group changed (the rest of the block then runs
	/// sequentially).
	pub detail: String,
}

/// The events of one build, in the order they were recorded.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Trace {
	/// The events.
	pub events: Vec<TraceEvent>,
}

impl Trace {
	/// Chrome trace-event JSON: one complete event (`X`) per applied extrinsic, instant events
	/// (`i`) for the rest, one row per thread.
	pub fn to_chrome_json(&self) -> String {
		let events: Vec<serde_json::Value> = self
			.events
			.iter()
			.map(|event| {
				let mut value = serde_json::json!({
					"name": format!("{} g{}", event.kind.name(), event.group),
					"cat": event.kind.name(),
					"ph": if event.kind == TraceKind::Apply { "X" } else { "i" },
					"ts": event.at.as_secs_f64() * 1e6,
					"pid": 1,
					"tid": event.thread,
					"args": { "group": event.group, "detail": event.detail },
				});
				if event.kind == TraceKind::Apply {
					value["dur"] = serde_json::json!(event.duration.as_secs_f64() * 1e6);
				} else {
					value["s"] = serde_json::json!("t");
				}
				value
			})
			.collect();
		serde_json::json!({ "traceEvents": events, "displayTimeUnit": "ms" }).to_string()
	}
}

/// Collects events from every thread of a build; does nothing when tracing is off.
pub(crate) struct Tracer {
	started: Instant,
	events: Option<Mutex<Vec<TraceEvent>>>,
}

impl Tracer {
	pub(crate) fn new(started: Instant, enabled: bool) -> Self {
		Self { started, events: enabled.then(|| Mutex::new(Vec::new())) }
	}

	pub(crate) fn enabled(&self) -> bool {
		self.events.is_some()
	}

	/// Record an event that happens now (or lasted since `since`, for `Apply`).
	pub(crate) fn record(
		&self,
		kind: TraceKind,
		group: usize,
		since: Option<Instant>,
		detail: impl FnOnce() -> String,
	) {
		let Some(events) = &self.events else { return };
		let now = Instant::now();
		let start = since.unwrap_or(now);
		let event = TraceEvent {
			kind,
			group,
			thread: rayon::current_thread_index().map_or(0, |i| i + 1),
			at: start.saturating_duration_since(self.started),
			duration: now.saturating_duration_since(start),
			detail: detail(),
		};
		events.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(event);
	}

	pub(crate) fn finish(self) -> Option<Trace> {
		self.events.map(|events| Trace {
			events: events.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner()),
		})
	}
}

/// A key as hex.
pub(crate) fn hex(key: &[u8]) -> String {
	key.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_chrome_export_has_one_event_per_recorded_event_with_its_thread_and_time() {
		let tracer = Tracer::new(Instant::now(), true);
		tracer.record(TraceKind::Start, 0, None, String::new);
		tracer.record(TraceKind::Apply, 0, Some(Instant::now()), || "1".into());
		tracer.record(TraceKind::Commit, 0, None, || "kept".into());
		let trace = tracer.finish().expect("enabled");
		let json: serde_json::Value =
			serde_json::from_str(&trace.to_chrome_json()).expect("valid JSON");
		let events = json["traceEvents"].as_array().expect("an array");
		assert_eq!(events.len(), 3);
		assert_eq!(events[1]["ph"], "X");
		assert_eq!(events[1]["name"], "APPLY g0");
		assert_eq!(events[2]["args"]["detail"], "kept");
		assert!(events.iter().all(|e| e["tid"] == 0 && e["ts"].as_f64().is_some()));
	}

	#[test]
	fn a_disabled_tracer_records_nothing() {
		let tracer = Tracer::new(Instant::now(), false);
		tracer.record(TraceKind::Start, 0, None, || unreachable!("not evaluated"));
		assert_eq!(tracer.finish(), None);
	}
}
