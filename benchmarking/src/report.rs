//! The report of a run: Markdown tables, a CSV of every number, SVG charts, and the machine it
//! ran on.

use crate::{
	chart::{LineChart, Series},
	measure::{Contestant, ScenarioResult, Settings, MODELED_LANES},
	suite::{Goal, Part, SuiteResult},
	BenchError,
};
use pex_block_builder::BuildStats;
use std::{fmt::Write as _, path::Path, time::Duration};

/// The machine a run measured.
#[derive(Clone, Debug)]
pub struct Machine {
	/// Cores the process may use.
	pub cores: usize,
	/// The CPU's model name (Linux), if known.
	pub cpu: Option<String>,
	/// Physical memory in bytes (Linux), if known.
	pub memory: Option<u64>,
	/// The kernel release (Linux), if known.
	pub kernel: Option<String>,
}

impl Machine {
	/// This machine.
	pub fn detect() -> Self {
		let read = |path: &str| std::fs::read_to_string(path).ok();
		let cpu = read("/proc/cpuinfo").and_then(|info| {
			info.lines()
				.find(|l| l.starts_with("model name"))
				.and_then(|l| l.split(':').nth(1))
				.map(|m| m.trim().to_string())
		});
		let memory = read("/proc/meminfo").and_then(|info| {
			let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
			let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
			Some(kib * 1024)
		});
		Self {
			cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
			cpu,
			memory,
			kernel: read("/proc/sys/kernel/osrelease").map(|k| k.trim().to_string()),
		}
	}

	/// One line: cores, CPU, memory, kernel.
	pub fn describe(&self) -> String {
		let mut line = format!("{} cores", self.cores);
		if let Some(cpu) = &self.cpu {
			let _ = write!(line, " ({cpu})");
		}
		if let Some(memory) = self.memory {
			let _ = write!(line, ", {:.1} GiB memory", memory as f64 / (1u64 << 30) as f64);
		}
		if let Some(kernel) = &self.kernel {
			let _ = write!(line, ", Linux {kernel}");
		}
		line
	}
}

/// How to read one phase's time from the stats of a build.
type Phase = fn(&BuildStats) -> Duration;

/// pex's phases as the report names them (table, CSV column), and how to read each from the
/// stats of a build.
const PHASES: [(&str, &str, Phase); 7] = [
	("base", "base", |s| s.base),
	("admission", "admission", |s| s.admission),
	("partition", "partition", |s| s.partition),
	("execute", "execute", |s| s.execute),
	("validate + merge + re-execute", "commit", |s| s.commit),
	("refill", "refill", |s| s.refill),
	("finalize + root", "finalize", |s| s.finalize),
];

fn ms(duration: Duration) -> String {
	format!("{:.1}", duration.as_secs_f64() * 1e3)
}

fn mib(bytes: Option<u64>) -> String {
	bytes.map_or("-".into(), |b| format!("{:.0}", b as f64 / (1u64 << 20) as f64))
}

fn percent(value: f64) -> String {
	format!("{:.1} %", value * 100.0)
}

/// The table of one scenario: a row per contestant, then pex's phases.
pub fn scenario_table(result: &ScenarioResult) -> String {
	let mut out = String::new();
	let _ = writeln!(
		out,
		"`{}`: {} candidates, {} extrinsics in the block ({:.1} KiB)\n",
		result.scenario,
		result.candidates,
		result.extrinsics,
		result.block_bytes as f64 / 1024.0
	);
	let _ = writeln!(
		out,
		"| contestant | median ms | min ms | max ms | extrinsics/s | vs stock | kept | concurrency | critical path | rollback rate | peak memory MiB |"
	);
	let _ = writeln!(
		out,
		"| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	);
	for m in &result.measurements {
		let stats = m.median_stats();
		let _ = writeln!(
			out,
			"| {} | {} | {} | {} | {:.0} | {} | {} | {} | {} | {} | {} |",
			m.contestant,
			ms(m.median()),
			ms(m.min()),
			ms(m.max()),
			result.throughput(m.contestant).unwrap_or(0.0),
			result.speedup(m.contestant).map_or("-".into(), |s| format!("{s:.2}x")),
			stats.map_or("-".into(), |s| percent(s.kept_fraction())),
			stats.map_or("-".into(), |s| percent(s.concurrency())),
			stats.map_or("-".into(), |s| percent(s.critical_path_share())),
			stats.map_or("-".into(), |s| percent(s.rollback_rate())),
			mib(m.peak_rss()),
		);
	}
	let pex: Vec<_> = result.measurements.iter().filter(|m| m.median_stats().is_some()).collect();
	if !pex.is_empty() {
		let names: Vec<&str> = PHASES.iter().map(|(name, _, _)| *name).collect();
		let _ = writeln!(
			out,
			"\n| phases (median ms) | {} | levels (depth / phases / chunks / largest group) | groups | re-executed chunks |",
			names.join(" | ")
		);
		let _ = writeln!(out, "| --- |{} ---: | ---: | ---: |", " ---: |".repeat(PHASES.len()));
		for m in pex {
			let phases: Vec<String> = PHASES
				.iter()
				.map(|(_, _, phase)| m.median_phase(phase).map_or("-".into(), ms))
				.collect();
			let stats = m.median_stats();
			let _ = writeln!(
				out,
				"| {} | {} | {} | {} | {} |",
				m.contestant,
				phases.join(" | "),
				stats.map_or("-".into(), |s| format!(
					"{} / {} / {} / {}",
					s.depth, s.phases, s.chunks, s.largest_group
				)),
				stats.map_or(0, |s| s.groups),
				stats.map_or(0, |s| s.reexecuted_chunks),
			);
		}
	}
	let _ = writeln!(out, "\n{}", model_line(result));
	out
}

/// The modeled speed-up of pex's plan on each of [`MODELED_LANES`], labelled as a model.
fn model_line(result: &ScenarioResult) -> String {
	let model = &result.model;
	let lanes: Vec<String> = MODELED_LANES
		.iter()
		.map(|&lanes| {
			let speedup = model.speedup(lanes).map_or("-".into(), |s| format!("{s:.2}x"));
			format!("{lanes} lanes {speedup}")
		})
		.collect();
	let critical = if model.admitted_weight == 0 {
		"-".to_string()
	} else {
		format!("{:.2}x", model.admitted_weight as f64 / model.critical_path.max(1) as f64)
	};
	format!(
		"Model (the plan's estimate from the runtime's weights, barriers included; not a \
		 measurement): {}; the critical path bounds any lane count at {critical}.",
		lanes.join(", ")
	)
}

/// The CSV: one row per scenario and contestant.
pub fn csv(results: &[SuiteResult]) -> String {
	let phase_columns: Vec<String> =
		PHASES.iter().map(|(_, column, _)| format!("{column}_ms")).collect();
	let mut out = format!(
		"part,scenario,candidates,extrinsics,block_bytes,contestant,median_ms,min_ms,max_ms,\
		 extrinsics_per_s,speedup_vs_stock,kept_fraction,concurrency,critical_path_share,\
		 rollback_rate,peak_rss_mib,{},\
		 groups,largest_group,depth,phases,chunks,reexecuted_chunks,samples,{}\n",
		phase_columns.join(","),
		MODELED_LANES.map(|lanes| format!("model_{lanes}_lanes")).join(","),
	);
	for SuiteResult { part, result } in results {
		for m in &result.measurements {
			let stats = m.median_stats();
			let phases: Vec<String> = PHASES
				.iter()
				.map(|(_, _, phase)| m.median_phase(phase).map_or(String::new(), ms))
				.collect();
			let _ = writeln!(
				out,
				"{part:?},\"{}\",{},{},{},{},{},{},{},{:.1},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
				result.scenario,
				result.candidates,
				result.extrinsics,
				result.block_bytes,
				m.contestant,
				ms(m.median()),
				ms(m.min()),
				ms(m.max()),
				result.throughput(m.contestant).unwrap_or(0.0),
				result.speedup(m.contestant).map_or(String::new(), |s| format!("{s:.3}")),
				stats.map_or(String::new(), |s| format!("{:.4}", s.kept_fraction())),
				stats.map_or(String::new(), |s| format!("{:.4}", s.concurrency())),
				stats.map_or(String::new(), |s| format!("{:.4}", s.critical_path_share())),
				stats.map_or(String::new(), |s| format!("{:.4}", s.rollback_rate())),
				mib(m.peak_rss()),
				phases.join(","),
				stats.map_or(String::new(), |s| s.groups.to_string()),
				stats.map_or(String::new(), |s| s.largest_group.to_string()),
				stats.map_or(String::new(), |s| s.depth.to_string()),
				stats.map_or(String::new(), |s| s.phases.to_string()),
				stats.map_or(String::new(), |s| s.chunks.to_string()),
				stats.map_or(String::new(), |s| s.reexecuted_chunks.to_string()),
				m.samples.len(),
				MODELED_LANES
					.map(|lanes| result
						.model
						.speedup(lanes)
						.map_or(String::new(), |s| format!("{s:.3}")))
					.join(","),
			);
		}
	}
	out
}

/// Speed-up over stock against accounts, one line per pex thread count (the grid).
pub fn speedup_chart(results: &[SuiteResult], settings: &Settings) -> LineChart {
	let grid: Vec<&ScenarioResult> =
		results.iter().filter(|r| r.part == Part::Grid).map(|r| &r.result).collect();
	let series = settings
		.threads
		.iter()
		.map(|&threads| Series {
			name: Contestant::Pex(threads).to_string(),
			points: grid
				.iter()
				.filter_map(|r| {
					let accounts = r.scenario.accounts();
					Some((f64::from(accounts), r.speedup(Contestant::Pex(threads))?))
				})
				.collect(),
		})
		.collect();
	LineChart {
		title: "transfers: speed-up over sc-block-builder".into(),
		x_label: "accounts (log scale)".into(),
		y_label: "speed-up (stock time / pex time)".into(),
		log_x: true,
		reference: Some((1.0, "stock".into())),
		series,
	}
}

/// Build and import time against block size, one line per contestant (the sweep).
pub fn block_size_chart(results: &[SuiteResult], settings: &Settings) -> LineChart {
	let sweep: Vec<&ScenarioResult> =
		results.iter().filter(|r| r.part == Part::Sweep).map(|r| &r.result).collect();
	let series = settings
		.contestants()
		.into_iter()
		.map(|contestant| Series {
			name: contestant.to_string(),
			points: sweep
				.iter()
				.filter_map(|r| {
					let time = r.get(contestant)?.median().as_secs_f64() * 1e3;
					Some((r.extrinsics as f64, time))
				})
				.collect(),
		})
		.collect();
	LineChart {
		title: "transfers: build and import time by block size".into(),
		x_label: "extrinsics in the block".into(),
		y_label: "median time (ms)".into(),
		log_x: false,
		reference: None,
		series,
	}
}

/// The whole report in Markdown.
pub fn markdown(
	results: &[SuiteResult],
	goals: &[Goal],
	settings: &Settings,
	machine: &Machine,
	elapsed: Duration,
) -> String {
	let mut out = String::from("# pex-bench suite\n\n");
	let _ = writeln!(out, "Machine: {}.\n", machine.describe());
	let _ = writeln!(
		out,
		"Contestants: `stock` (sc-block-builder), `pex/N` (pex-block-builder on N threads), \
		 `import` (a stock node's `Core_execute_block` of pex's block). Same runtime (WASM, one \
		 executor), same parent state, same candidates. Times: {} timed repetitions after {} \
		 warm-up round(s) and a check round, contestants alternating; block building includes \
		 the state root. Seed {}. The suite took {:.0} s.\n",
		settings.repetitions,
		settings.warmup,
		settings.seed,
		elapsed.as_secs_f64()
	);
	out.push_str("## Goals\n\n| goal | measured | met |\n| --- | --- | --- |\n");
	for goal in goals {
		let met = match goal.met {
			Some(true) => "yes",
			Some(false) => "**no**",
			None => "-",
		};
		let _ = writeln!(out, "| {} | {} | {met} |", goal.name, goal.measured);
	}
	for (part, title) in [
		(Part::Grid, "Transfers among 2 to 10,000 accounts (speedup.svg)"),
		(Part::Scenario, "Hot accounts, worst case, contracts"),
		(Part::Sweep, "Block size (block-size.svg)"),
	] {
		let _ = writeln!(out, "\n## {title}\n");
		if part == Part::Sweep {
			out.push_str("| extrinsics | ");
			let contestants = settings.contestants();
			out.push_str(
				&contestants
					.iter()
					.map(|c| format!("{c} µs/extrinsic"))
					.collect::<Vec<_>>()
					.join(" | "),
			);
			out.push_str(" |\n| ---: |");
			out.push_str(&" ---: |".repeat(contestants.len()));
			out.push('\n');
			for r in results.iter().filter(|r| r.part == Part::Sweep) {
				let costs: Vec<String> = contestants
					.iter()
					.map(|&c| {
						r.result.cost_per_extrinsic(c).map_or("-".into(), |v| format!("{v:.1}"))
					})
					.collect();
				let _ = writeln!(out, "| {} | {} |", r.result.extrinsics, costs.join(" | "));
			}
			out.push('\n');
		}
		for r in results.iter().filter(|r| r.part == part) {
			out.push_str(&scenario_table(&r.result));
			out.push('\n');
		}
	}
	out
}

/// Write `report.md`, `results.csv`, `speedup.svg` and `block-size.svg` into `dir`.
pub fn write(
	dir: &Path,
	results: &[SuiteResult],
	goals: &[Goal],
	settings: &Settings,
	machine: &Machine,
	elapsed: Duration,
) -> Result<(), BenchError> {
	let io = |path: &Path| {
		let path = path.to_path_buf();
		move |source| BenchError::Io { path, source }
	};
	std::fs::create_dir_all(dir).map_err(io(dir))?;
	let files = [
		("report.md", markdown(results, goals, settings, machine, elapsed)),
		("results.csv", csv(results)),
		("speedup.svg", speedup_chart(results, settings).to_svg()),
		("block-size.svg", block_size_chart(results, settings).to_svg()),
	];
	for (name, contents) in files {
		let path = dir.join(name);
		std::fs::write(&path, contents).map_err(io(&path))?;
	}
	Ok(())
}
