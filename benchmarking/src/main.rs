//! `pex-bench`: what pex can show today.
//!
//! `pex-bench partition [--transactions N] [--lanes L] [--seed S]` generates a block's worth of
//! balance transfers at several levels of contention, partitions them into groups that share
//! no account, packs the groups onto `L` lanes, and prints what parallelism that leaves.

use pex_bench::workload;
use pex_primitives::{partition, schedule, ScheduleError};
use std::{process::ExitCode, time::Instant};

const USAGE: &str = "usage: pex-bench partition [--transactions N] [--lanes L] [--seed S]";

/// Settings of the `partition` demo.
struct PartitionDemo {
	transactions: usize,
	lanes: usize,
	seed: u64,
}

/// Why the command line was not understood.
#[derive(Debug)]
enum ArgsError {
	NoCommand,
	UnknownCommand(String),
	UnknownFlag(String),
	MissingValue(String),
	NotAPositiveNumber { flag: String, value: String },
}

impl std::fmt::Display for ArgsError {
	fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
		match self {
			ArgsError::NoCommand => write!(f, "no command given"),
			ArgsError::UnknownCommand(c) => write!(f, "unknown command `{c}`"),
			ArgsError::UnknownFlag(flag) => write!(f, "unknown flag `{flag}`"),
			ArgsError::MissingValue(flag) => write!(f, "`{flag}` needs a value"),
			ArgsError::NotAPositiveNumber { flag, value } =>
				write!(f, "`{flag}` needs a positive whole number, not `{value}`"),
		}
	}
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<PartitionDemo, ArgsError> {
	match args.next().as_deref() {
		Some("partition") => {},
		Some(other) => return Err(ArgsError::UnknownCommand(other.to_string())),
		None => return Err(ArgsError::NoCommand),
	}
	let mut demo = PartitionDemo { transactions: 10_000, lanes: 2, seed: 42 };
	while let Some(flag) = args.next() {
		let value = args.next().ok_or_else(|| ArgsError::MissingValue(flag.clone()))?;
		let number = value
			.parse::<u64>()
			.ok()
			.filter(|n| *n > 0 || flag == "--seed")
			.ok_or_else(|| ArgsError::NotAPositiveNumber { flag: flag.clone(), value })?;
		match flag.as_str() {
			"--transactions" => demo.transactions = number as usize,
			"--lanes" => demo.lanes = number as usize,
			"--seed" => demo.seed = number,
			_ => return Err(ArgsError::UnknownFlag(flag)),
		}
	}
	Ok(demo)
}

fn run(demo: &PartitionDemo) -> Result<(), ScheduleError> {
	let PartitionDemo { transactions, lanes, seed } = *demo;
	println!("pex partition demo: {transactions} balance transfers (seed {seed}), {lanes} lanes");
	println!(
		"{:>10} {:>9} {:>9} {:>11} {:>13} {:>10}",
		"accounts", "groups", "largest", "lane costs", "max speed-up", "partition"
	);
	let tx = transactions as u64;
	for accounts in [tx / 50, tx / 10, tx, 10 * tx].map(|a| a.max(2)) {
		let sets = workload::transfers(transactions, accounts, seed);
		let started = Instant::now();
		let groups = partition(&sets);
		let took = started.elapsed();
		// Every transfer costs the same here; the block builder uses each extrinsic's weight.
		let costs = vec![1u64; transactions];
		let lane_plan = schedule(&groups, &costs, lanes)?;
		let largest = groups.iter().map(|g| g.members.len()).max().unwrap_or(0);
		let busiest = lane_plan.iter().map(|l| l.cost).max().unwrap_or(0).max(1);
		let lane_costs: Vec<String> = lane_plan.iter().map(|l| l.cost.to_string()).collect();
		println!(
			"{:>10} {:>9} {:>9} {:>11} {:>12.2}x {:>8.2}ms",
			accounts,
			groups.len(),
			largest,
			lane_costs.join("/"),
			transactions as f64 / busiest as f64,
			took.as_secs_f64() * 1e3
		);
	}
	println!(
		"max speed-up: transactions / busiest lane, the bound partitioning leaves for {lanes} \
		 threads. Building and comparing real blocks arrives with the block builder ([P4], [P5])."
	);
	Ok(())
}

fn main() -> ExitCode {
	match parse(std::env::args().skip(1)) {
		Ok(demo) => match run(&demo) {
			Ok(()) => ExitCode::SUCCESS,
			Err(error) => {
				eprintln!("error: {error}");
				ExitCode::FAILURE
			},
		},
		Err(error) => {
			eprintln!("error: {error}\n{USAGE}");
			ExitCode::from(2)
		},
	}
}
