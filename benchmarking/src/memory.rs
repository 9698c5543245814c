//! Peak resident memory of the process, per run: Linux keeps a high-water mark (`VmHWM` in
//! `/proc/self/status`) that writing `5` to `/proc/self/clear_refs` resets to the current size.
//! Elsewhere both do nothing and the peak is unknown.

/// Reset the high-water mark to the current resident size (best effort).
pub fn reset_peak() {
	// Unsupported or refused (an old kernel, no procfs): the peak then covers earlier runs
	// too, which the report's "peak memory" column can only overstate.
	let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The peak resident memory since the last [`reset_peak`], in bytes.
pub fn peak() -> Option<u64> {
	let status = std::fs::read_to_string("/proc/self/status").ok()?;
	parse_high_water_mark(&status)
}

/// `VmHWM` of a `/proc/<pid>/status` text, in bytes.
fn parse_high_water_mark(status: &str) -> Option<u64> {
	let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
	let kib: u64 = line
		.trim_start_matches("VmHWM:")
		.trim()
		.strip_suffix("kB")?
		.trim()
		.parse()
		.ok()?;
	Some(kib * 1024)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_high_water_mark_is_read_in_bytes() {
		let status = "Name:\tpex-bench\nVmPeak:\t  900 kB\nVmHWM:\t    1234 kB\nVmRSS:\t 1000 kB\n";
		assert_eq!(parse_high_water_mark(status), Some(1234 * 1024));
		assert_eq!(parse_high_water_mark("VmRSS:\t 1000 kB\n"), None);
	}

	#[test]
	#[cfg(target_os = "linux")]
	fn a_reset_lowers_the_peak_below_a_big_allocation_that_is_gone() {
		let big = vec![1u8; 256 << 20];
		std::hint::black_box(&big);
		let with_big = peak().expect("procfs");
		drop(big);
		reset_peak();
		let after = peak().expect("procfs");
		assert!(after + (128 << 20) < with_big, "{after} vs {with_big}");
	}
}
