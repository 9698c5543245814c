//! `pex-bench`: pex's parallel block building against stock Substrate, and the plan demo.
//!
//! ```text
//! pex-bench transfers    [--accounts A] [--txs T]
//! pex-bench zipf         [--exponent S] [--accounts A] [--txs T]
//! pex-bench all-conflict [--txs T]
//! pex-bench deploy       [--deploys D] [--transfers T]
//! pex-bench undeclared   [--calls C]
//! pex-bench suite        [--smoke] [--out DIR]
//! pex-bench partition    [--transactions N] [--lanes L]
//! pex-bench load         [--url WS] [--accounts N] [--tps T] [--duration S] [--seed S]
//! ```
//!
//! Every command but `partition` also takes `--threads N` (pex on 1..=N threads, default all
//! cores), `--lanes L` (the lanes pex plans a block for, default the most threads), `--reps R`
//! (timed repetitions, default 5), `--warmup W` (default 1) and `--seed S`.
//! See `benchmarking/README.md`.

use indicatif::{ProgressBar, ProgressStyle};
use pex_bench::{
	load::{run_load, LoadConfig},
	measure::{self, Settings},
	report::{self, Machine},
	suite::{self, SuiteConfig},
	BenchError,
};
use pex_block_builder::{BuildOptions, ParallelBlockBuilder, TraceKind};
use pex_primitives::{plan, ScheduleError};
use pex_test_chain::{chain::Chain, scenario::Scenario};
use std::{
	io::IsTerminal,
	path::{Path, PathBuf},
	process::ExitCode,
	time::Instant,
};

const USAGE: &str =
	"usage: pex-bench <transfers|zipf|all-conflict|deploy|undeclared|suite|partition> [flags]
  transfers    [--accounts A] [--txs T]
  zipf         [--exponent S] [--accounts A] [--txs T]
  all-conflict [--txs T]
  deploy       [--deploys D] [--transfers T]
  undeclared   [--calls C]
  doomed       [--doomed D] [--valid V] [--block-ms B]   (not in the suite: refill rounds)
  suite        [--smoke] [--out DIR]        (writes DIR/report.md, results.csv, *.svg)
  partition    [--transactions N] [--lanes L]
  load         [--url WS] [--accounts N] [--tps T] [--duration S] [--seed S]
               (transfers against a running pex-node, e.g. `make run`)
  common: [--threads N] [--lanes L] [--reps R] [--warmup W] [--seed S]
  scenarios also: [--trace FILE]  (a traced build's Chrome trace, and why chunks were rejected)";

/// A parsed command line.
#[derive(Debug, PartialEq)]
enum Command {
	/// One scenario, its table printed; with a path, a traced build's Chrome trace written there.
	Scenario(Scenario, Settings, Option<PathBuf>),
	/// The suite, its report written to `out`.
	Suite { config: SuiteConfig, settings: Settings, out: PathBuf },
	/// The plan demo (`partition`): plans of random transfer blocks and the time to make them.
	Partition { transactions: usize, lanes: usize, seed: u64 },
	/// Transfers against a running node.
	Load(LoadConfig),
}

/// Why the command line was not understood.
#[derive(Debug, PartialEq)]
enum ArgsError {
	NoCommand,
	UnknownCommand(String),
	UnknownFlag { command: String, flag: String },
	MissingValue(String),
	NotAPositiveNumber { flag: String, value: String },
	NotANumber { flag: String, value: String },
}

impl std::fmt::Display for ArgsError {
	fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
		match self {
			ArgsError::NoCommand => write!(f, "no command given"),
			ArgsError::UnknownCommand(c) => write!(f, "unknown command `{c}`"),
			ArgsError::UnknownFlag { command, flag } =>
				write!(f, "`{command}` has no flag `{flag}`"),
			ArgsError::MissingValue(flag) => write!(f, "`{flag}` needs a value"),
			ArgsError::NotAPositiveNumber { flag, value } =>
				write!(f, "`{flag}` needs a positive whole number, not `{value}`"),
			ArgsError::NotANumber { flag, value } =>
				write!(f, "`{flag}` needs a number, not `{value}`"),
		}
	}
}

/// The flags of one command, consumed as they are asked for.
struct Flags {
	command: String,
	pairs: Vec<(String, Option<String>)>,
}

impl Flags {
	fn new(command: &str, args: impl Iterator<Item = String>) -> Result<Self, ArgsError> {
		let mut pairs = Vec::new();
		let mut args = args.peekable();
		while let Some(flag) = args.next() {
			// `--smoke` is the one flag without a value.
			let value = if flag == "--smoke" {
				None
			} else {
				Some(args.next().ok_or_else(|| ArgsError::MissingValue(flag.clone()))?)
			};
			pairs.push((flag, value));
		}
		Ok(Self { command: command.to_string(), pairs })
	}

	fn take(&mut self, flag: &str) -> Option<Option<String>> {
		let at = self.pairs.iter().position(|(f, _)| f == flag)?;
		Some(self.pairs.remove(at).1)
	}

	fn number<T: std::str::FromStr + PartialOrd + Default>(
		&mut self,
		flag: &str,
		default: T,
		zero_allowed: bool,
	) -> Result<T, ArgsError> {
		let Some(value) = self.take(flag).flatten() else { return Ok(default) };
		value
			.parse::<T>()
			.ok()
			.filter(|n| zero_allowed || *n > T::default())
			.ok_or(ArgsError::NotAPositiveNumber { flag: flag.to_string(), value })
	}

	fn float(&mut self, flag: &str, default: f64) -> Result<f64, ArgsError> {
		let Some(value) = self.take(flag).flatten() else { return Ok(default) };
		value
			.parse()
			.map_err(|_| ArgsError::NotANumber { flag: flag.to_string(), value })
	}

	fn settings(&mut self) -> Result<Settings, ArgsError> {
		let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
		let mut settings = Settings::new(self.number("--threads", cores, false)?);
		settings.lanes = self.number("--lanes", settings.threads.len(), false)?;
		settings.repetitions = self.number("--reps", settings.repetitions, false)?;
		settings.warmup = self.number("--warmup", settings.warmup, true)?;
		settings.seed = self.number("--seed", settings.seed, true)?;
		Ok(settings)
	}

	/// Every flag was used.
	fn finish(self) -> Result<(), ArgsError> {
		match self.pairs.into_iter().next() {
			Some((flag, _)) => Err(ArgsError::UnknownFlag { command: self.command, flag }),
			None => Ok(()),
		}
	}
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Command, ArgsError> {
	let command = args.next().ok_or(ArgsError::NoCommand)?;
	let mut flags = Flags::new(&command, args)?;
	let trace = flags.take("--trace").flatten().map(PathBuf::from);
	let parsed = match command.as_str() {
		"transfers" => Command::Scenario(
			Scenario::Transfers {
				accounts: flags.number("--accounts", 10_000, false)?,
				txs: flags.number("--txs", 1_000, false)?,
			},
			flags.settings()?,
			trace.clone(),
		),
		"zipf" => Command::Scenario(
			Scenario::Zipf {
				exponent: flags.float("--exponent", 1.0)?,
				accounts: flags.number("--accounts", 10_000, false)?,
				txs: flags.number("--txs", 1_000, false)?,
			},
			flags.settings()?,
			trace.clone(),
		),
		"all-conflict" => Command::Scenario(
			Scenario::AllConflict { txs: flags.number("--txs", 1_000, false)? },
			flags.settings()?,
			trace.clone(),
		),
		"deploy" => Command::Scenario(
			Scenario::Deploy {
				deploys: flags.number("--deploys", 10, false)?,
				transfers: flags.number("--transfers", 1_000, true)?,
			},
			flags.settings()?,
			trace.clone(),
		),
		"undeclared" => Command::Scenario(
			Scenario::Undeclared { calls: flags.number("--calls", 200, false)? },
			flags.settings()?,
			trace.clone(),
		),
		"doomed" => Command::Scenario(
			Scenario::Doomed {
				doomed: flags.number("--doomed", 2_000, true)?,
				valid: flags.number("--valid", 2_000, true)?,
				block_ms: flags.number("--block-ms", 1_000, false)?,
			},
			flags.settings()?,
			trace.clone(),
		),
		"suite" if trace.is_some() =>
			return Err(ArgsError::UnknownFlag { command: command.clone(), flag: "--trace".into() }),
		"suite" => {
			let config = if flags.take("--smoke").is_some() {
				SuiteConfig::smoke()
			} else {
				SuiteConfig::full()
			};
			let out = flags.take("--out").flatten().unwrap_or_else(|| "target/pex-bench".into());
			Command::Suite { config, settings: flags.settings()?, out: PathBuf::from(out) }
		},
		"partition" if trace.is_some() =>
			return Err(ArgsError::UnknownFlag { command: command.clone(), flag: "--trace".into() }),
		"partition" => Command::Partition {
			transactions: flags.number("--transactions", 10_000, false)?,
			lanes: flags.number("--lanes", 2, false)?,
			seed: flags.number("--seed", 42, true)?,
		},
		"load" if trace.is_some() =>
			return Err(ArgsError::UnknownFlag { command: command.clone(), flag: "--trace".into() }),
		"load" => Command::Load(LoadConfig {
			url: flags.take("--url").flatten().unwrap_or_else(|| "ws://127.0.0.1:9944".into()),
			accounts: flags.number("--accounts", 100, false)?,
			tps: flags.number("--tps", 100, false)?,
			duration: std::time::Duration::from_secs(flags.number("--duration", 60, false)?),
			seed: flags.number("--seed", 42, true)?,
		}),
		other => return Err(ArgsError::UnknownCommand(other.to_string())),
	};
	flags.finish()?;
	Ok(parsed)
}

/// A progress bar on a terminal; nothing under `CI=true` or when stderr is not a terminal.
fn progress_bar() -> ProgressBar {
	let ci = std::env::var("CI").is_ok_and(|v| v == "true");
	if ci || !std::io::stderr().is_terminal() {
		return ProgressBar::hidden();
	}
	let bar = ProgressBar::new(0);
	if let Ok(style) =
		ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} runs  {msg}")
	{
		bar.set_style(style.progress_chars("=> "));
	}
	bar
}

fn run_scenario(
	scenario: &Scenario,
	settings: &Settings,
	trace: Option<&Path>,
) -> Result<(), BenchError> {
	let progress = progress_bar();
	progress.set_length(measure::runs(settings));
	progress.set_message(format!("{scenario}: preparing"));
	let chain = scenario.chain()?;
	let candidates = scenario.extrinsics(&chain, settings.seed)?;
	let result = measure::measure(scenario, &chain, &candidates, settings, &progress)?;
	progress.finish_and_clear();
	println!("{}", report::scenario_table(&result));
	if let Some(path) = trace {
		write_trace(&chain, candidates, settings, path)?;
	}
	Ok(())
}

/// Build once more with tracing on, on the most threads, write the Chrome trace to `path` and
/// print why chunks were rejected.
fn write_trace(
	chain: &Chain,
	candidates: Vec<pex_runtime::UncheckedExtrinsic>,
	settings: &Settings,
	path: &Path,
) -> Result<(), BenchError> {
	let threads = settings.threads.iter().copied().max().unwrap_or(1);
	let options =
		BuildOptions { threads, lanes: settings.lanes, trace: true, ..BuildOptions::default() };
	let builder = ParallelBlockBuilder::with_runtime(pex_bench::runtime(), options)?;
	let built = builder.build(&chain.state, pex_bench::next_block(chain), candidates)?;
	let trace = built.trace.unwrap_or_default();
	std::fs::write(path, trace.to_chrome_json())
		.map_err(|source| BenchError::Io { path: path.to_path_buf(), source })?;
	println!("trace of pex/{threads}: {}", path.display());
	for event in trace
		.events
		.iter()
		.filter(|e| e.kind == TraceKind::Commit && e.detail != "kept")
	{
		if event.detail != "re-executed" {
			println!("  group {}: {}", event.group, event.detail);
		}
	}
	Ok(())
}

fn run_suite(config: &SuiteConfig, settings: &Settings, out: &Path) -> Result<(), BenchError> {
	let started = Instant::now();
	let progress = progress_bar();
	let results = suite::run(config, settings, &progress)?;
	progress.finish_and_clear();
	let goals = suite::goals(&results, settings);
	report::write(out, &results, &goals, settings, &Machine::detect(), started.elapsed())?;
	for goal in &goals {
		let met = match goal.met {
			Some(true) => "met",
			Some(false) => "NOT MET",
			None => "not measured",
		};
		println!("{met:>12}: {} ({})", goal.name, goal.measured);
	}
	println!("report: {}", out.join("report.md").display());
	Ok(())
}

/// The plan's price of a barrier in transfers: `BARRIER_WEIGHT` over a transfer's weight
/// (0.76 ms), rounded.
const BARRIER_IN_TRANSFERS: u64 = 4;

fn run_partition(transactions: usize, lanes: usize, seed: u64) -> Result<(), ScheduleError> {
	println!("pex plan demo: {transactions} balance transfers (seed {seed}), {lanes} lanes");
	println!(
		"{:>10} {:>9} {:>9} {:>7} {:>7} {:>7} {:>13} {:>10}",
		"accounts", "groups", "largest", "depth", "phases", "chunks", "model", "plan"
	);
	let tx = transactions as u64;
	for accounts in [tx / 50, tx / 10, tx, 10 * tx].map(|a| a.max(2)) {
		let sets = pex_workloads::transfers(transactions, accounts, seed);
		// Every transfer costs the same here; the block builder uses each extrinsic's weight.
		let costs = vec![1u64; transactions];
		let started = Instant::now();
		let plan = plan(&sets, &costs, lanes, BARRIER_IN_TRANSFERS)?;
		let took = started.elapsed();
		let chunks: usize = plan.phases.iter().map(|phase| phase.chunks.len()).sum();
		println!(
			"{:>10} {:>9} {:>9} {:>7} {:>7} {:>7} {:>12.2}x {:>8.2}ms",
			accounts,
			plan.shape.components,
			plan.shape.largest_component,
			plan.shape.depth,
			plan.phases.len(),
			chunks,
			transactions as f64 / plan.estimate.max(1) as f64,
			took.as_secs_f64() * 1e3
		);
	}
	println!(
		"model: transactions / the plan's estimate (busiest chunk per phase plus a barrier of \
		 {BARRIER_IN_TRANSFERS} transfers between phases) on {lanes} lanes; plan: the time to make it \
		 (partition, conflict DAG, packings). Real blocks against sc-block-builder: `pex-bench suite`."
	);
	Ok(())
}

fn main() -> ExitCode {
	let command = match parse(std::env::args().skip(1)) {
		Ok(command) => command,
		Err(error) => {
			eprintln!("error: {error}\n{USAGE}");
			return ExitCode::from(2);
		},
	};
	let outcome = match &command {
		Command::Partition { transactions, lanes, seed } =>
			run_partition(*transactions, *lanes, *seed).map_err(|e| e.to_string()),
		Command::Scenario(scenario, settings, trace) => pex_bench::ensure_wasm()
			.and_then(|()| run_scenario(scenario, settings, trace.as_deref()))
			.map_err(|e| e.to_string()),
		Command::Suite { config, settings, out } => pex_bench::ensure_wasm()
			.and_then(|()| run_suite(config, settings, out))
			.map_err(|e| e.to_string()),
		Command::Load(config) => run_load_command(config),
	};
	match outcome {
		Ok(()) => ExitCode::SUCCESS,
		Err(error) => {
			eprintln!("error: {error}");
			ExitCode::FAILURE
		},
	}
}

/// `pex-bench load`: fund, submit, follow finalization, print each block and the rate.
fn run_load_command(config: &LoadConfig) -> Result<(), String> {
	let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
	let progress = progress_bar();
	if let Ok(style) =
		ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {msg}")
	{
		progress.set_style(style.progress_chars("=> "));
	}
	let report = runtime.block_on(run_load(config, &progress)).map_err(|e| e.to_string())?;
	println!("| block | transfers | builder | groups | concurrency | re-executed | build ms |");
	println!("|---:|---:|---|---:|---:|---:|---:|");
	for block in &report.blocks {
		let stats = report.stats.get(&block.number);
		let field = |name: &str| {
			stats
				.and_then(|s| s.get(name))
				.map_or_else(|| "-".to_string(), |v| v.to_string())
		};
		let concurrency = stats
			.and_then(|s| s.get("concurrency"))
			.and_then(serde_json::Value::as_f64)
			.map_or_else(|| "-".into(), |f| format!("{:.0} %", f * 100.0));
		let build_ms = stats
			.and_then(|s| s.pointer("/phasesMs/total"))
			.and_then(serde_json::Value::as_f64)
			.map_or_else(|| "-".into(), |ms| format!("{ms:.0}"));
		println!(
			"| {} | {} | {} | {} | {concurrency} | {} | {build_ms} |",
			block.number,
			block.signed,
			field("builder").trim_matches('"'),
			field("groups"),
			field("reexecutedExtrinsics"),
		);
	}
	println!(
		"\n{} transfers submitted ({} refused at submission), {} finalized in {:.1} s: {:.1} finalized per second",
		report.submitted,
		report.refused,
		report.finalized(),
		report.elapsed.as_secs_f64(),
		report.finalized_per_second(),
	);
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	fn args(line: &str) -> impl Iterator<Item = String> + '_ {
		line.split_whitespace().map(str::to_string)
	}

	#[test]
	fn every_scenario_parses_with_its_parameters() {
		let Ok(Command::Scenario(scenario, settings, None)) =
			parse(args("zipf --exponent 1.5 --txs 30 --threads 4 --reps 7 --warmup 0"))
		else {
			panic!("zipf parses")
		};
		assert_eq!(scenario, Scenario::Zipf { exponent: 1.5, accounts: 10_000, txs: 30 });
		assert_eq!(
			(settings.threads, settings.repetitions, settings.warmup),
			(vec![1, 2, 3, 4], 7, 0)
		);
		assert!(matches!(
			parse(args("transfers --accounts 2 --txs 5")),
			Ok(Command::Scenario(Scenario::Transfers { accounts: 2, txs: 5 }, _, None))
		));
		assert!(matches!(
			parse(args("suite --smoke --out /tmp/x")),
			Ok(Command::Suite { out, .. }) if out == Path::new("/tmp/x")
		));
		assert!(matches!(
			parse(args("partition --lanes 4")),
			Ok(Command::Partition { lanes: 4, .. })
		));
		assert!(matches!(
			parse(args("load --accounts 50 --tps 20 --duration 5")),
			Ok(Command::Load(LoadConfig { accounts: 50, tps: 20, .. }))
		));
		assert!(matches!(
			parse(args("doomed --doomed 300 --valid 500 --block-ms 100")),
			Ok(Command::Scenario(
				Scenario::Doomed { doomed: 300, valid: 500, block_ms: 100 },
				_,
				None
			))
		));
	}

	#[test]
	fn bad_command_lines_are_refused_with_the_reason() {
		assert_eq!(parse(args("")), Err(ArgsError::NoCommand));
		assert_eq!(parse(args("fly")), Err(ArgsError::UnknownCommand("fly".into())));
		assert_eq!(
			parse(args("all-conflict --accounts 3")),
			Err(ArgsError::UnknownFlag {
				command: "all-conflict".into(),
				flag: "--accounts".into()
			})
		);
		assert_eq!(parse(args("transfers --txs")), Err(ArgsError::MissingValue("--txs".into())));
		assert_eq!(
			parse(args("transfers --txs 0")),
			Err(ArgsError::NotAPositiveNumber { flag: "--txs".into(), value: "0".into() })
		);
		assert_eq!(
			parse(args("zipf --exponent hot")),
			Err(ArgsError::NotANumber { flag: "--exponent".into(), value: "hot".into() })
		);
	}
}
