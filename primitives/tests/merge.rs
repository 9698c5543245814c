//! Every merge rule against a sequential model: groups that each ran from the same base, merged,
//! must give what running them one after another gives. Malformed bytes must give an error,
//! never a panic.

use codec::{Compact, Encode};
use frame_support::{
	dispatch::{DispatchClass, PerDispatchClass},
	weights::Weight,
};
use pex_primitives::{merge, MergeError, MergeRule, ValueAt};
use proptest::{collection::vec, option, prelude::*};

fn refs(values: &[Option<Vec<u8>>]) -> Vec<Option<&[u8]>> {
	values.iter().map(|v| v.as_deref()).collect()
}

/// Signed deltas applied one after another to `base`; `None` if the result leaves `0..=max`.
fn sequential_sum(base: i128, deltas: &[i128], max: i128) -> Option<i128> {
	let total = base + deltas.iter().sum::<i128>();
	(0..=max).contains(&total).then_some(total)
}

macro_rules! sum_rule_matches_sequential_model {
	($name:ident, $t:ty, $rule:expr, $range:expr) => {
		proptest! {
			#[test]
			fn $name(
				base in option::of($range),
				finals in vec(option::of($range), 0..6),
			) {
				let base_value = base.unwrap_or(0) as i128;
				let base_bytes = base.map(|b: $t| b.encode());
				let writes: Vec<Option<Vec<u8>>> =
					finals.iter().map(|f| f.map(|v: $t| v.encode())).collect();
				let result = merge($rule, base_bytes.as_deref(), &refs(&writes));
				let changed = writes.iter().any(|w| *w != base_bytes);
				let removed = base.and(finals.iter().position(Option::is_none));
				if !changed {
					prop_assert_eq!(result, Ok(base_bytes));
				} else if let Some(write) = removed {
					prop_assert_eq!(result, Err(MergeError::Removed { write: write as u32 }));
				} else {
					let deltas: Vec<i128> =
						finals.iter().flatten().map(|&f| f as i128 - base_value).collect();
					// (u128::MAX does not fit i128; the u128 inputs stay far below i128::MAX.)
					match sequential_sum(base_value, &deltas, i128::try_from(<$t>::MAX).unwrap_or(i128::MAX)) {
						Some(total) => prop_assert_eq!(result, Ok(Some((total as $t).encode()))),
						None => prop_assert_eq!(result, Err(MergeError::Overflow)),
					}
				}
			}
		}
	};
}

sum_rule_matches_sequential_model!(sum_u32_matches_model, u32, MergeRule::SumU32, any::<u32>());
sum_rule_matches_sequential_model!(sum_u64_matches_model, u64, MergeRule::SumU64, any::<u64>());
// u128 values below 2^120, so the model's i128 arithmetic cannot overflow itself.
sum_rule_matches_sequential_model!(
	sum_u128_matches_model,
	u128,
	MergeRule::SumU128,
	0u128..(1u128 << 120)
);

#[test]
fn sums_that_leave_the_type_overflow() {
	let max = u128::MAX.encode();
	let one = 1u128.encode();
	let two = 2u128.encode();
	// Two groups each add 1 to u128::MAX - 1.
	let base = (u128::MAX - 1).encode();
	assert_eq!(
		merge(MergeRule::SumU128, Some(&base), &[Some(&max), Some(&max)]),
		Err(MergeError::Overflow)
	);
	// Two groups each take 1 from 1: the total would be -1.
	let zero = 0u128.encode();
	assert_eq!(
		merge(MergeRule::SumU128, Some(&one), &[Some(&zero), Some(&zero)]),
		Err(MergeError::Overflow)
	);
	// A gain and a loss that cancel out are fine even at the edge.
	assert_eq!(
		merge(MergeRule::SumU128, Some(&one), &[Some(&two), Some(&zero)]),
		Ok(Some(one.clone()))
	);
}

#[test]
fn gains_that_overflow_on_the_way_but_cancel_out_still_merge() {
	// From u32::MAX / 2, three groups rise to u32::MAX and three fall to 0: the gains alone
	// exceed u32::MAX, yet base + gains - losses = base + 3 fits.
	let base = u32::MAX / 2;
	let (high, low) = (u32::MAX.encode(), 0u32.encode());
	let writes = [
		Some(&high[..]),
		Some(&high[..]),
		Some(&high[..]),
		Some(&low[..]),
		Some(&low[..]),
		Some(&low[..]),
	];
	let expected = (base as i64 + 3 * (u32::MAX - base) as i64 - 3 * base as i64) as u32;
	assert_eq!(
		merge(MergeRule::SumU32, Some(&base.encode()), &writes),
		Ok(Some(expected.encode()))
	);
}

/// Variable-length items, so the merge cannot rely on a fixed item size.
fn items() -> impl Strategy<Value = Vec<Vec<u8>>> {
	vec(vec(any::<u8>(), 0..5), 0..4)
}

proptest! {
	#[test]
	fn append_matches_sequential_appends(
		base in option::of(items()),
		appended in vec(items(), 0..5),
	) {
		let base_items = base.clone().unwrap_or_default();
		let finals: Vec<Option<Vec<u8>>> = appended
			.iter()
			.map(|suffix| Some([base_items.clone(), suffix.clone()].concat().encode()))
			.collect();
		let mut sequential = base_items.clone();
		appended.iter().for_each(|suffix| sequential.extend(suffix.iter().cloned()));
		let base_bytes = base.as_ref().map(Encode::encode);
		let result = merge(MergeRule::Append, base_bytes.as_deref(), &refs(&finals));
		let expected = if finals.iter().all(|f| f.as_deref() == base_bytes.as_deref()) {
			base_bytes
		} else {
			Some(sequential.encode())
		};
		prop_assert_eq!(result, Ok(expected));
	}

	#[test]
	fn positional_takes_the_last_writer_in_commit_order(
		base in option::of(vec(any::<u8>(), 0..6)),
		writes in vec(option::of(vec(any::<u8>(), 0..6)), 0..5),
	) {
		let result = merge(MergeRule::Positional, base.as_deref(), &refs(&writes));
		let expected = match writes.last() {
			Some(last) => last.clone(),
			None => base.clone(),
		};
		prop_assert_eq!(result, Ok(expected));
	}

	#[test]
	fn conflict_allows_only_unchanged_values(
		base in option::of(vec(0u8..2, 0..2)),
		writes in vec(option::of(vec(0u8..2, 0..2)), 0..4),
	) {
		let result = merge(MergeRule::Conflict, base.as_deref(), &refs(&writes));
		match writes.iter().position(|w| *w != base) {
			Some(write) => prop_assert_eq!(result, Err(MergeError::Conflict { write: write as u32 })),
			None => prop_assert_eq!(result, Ok(base)),
		}
	}

	#[test]
	fn per_class_weight_sum_matches_frame_supports_block_weight(
		base in option::of(vec(0u64..1 << 40, 6)),
		deltas in vec(vec(-(1i64 << 30)..1 << 30, 6), 0..5),
	) {
		let classes = [DispatchClass::Normal, DispatchClass::Operational, DispatchClass::Mandatory];
		let components = |values: &[i128]| {
			let mut weights = PerDispatchClass::<Weight>::default();
			for (i, class) in classes.iter().enumerate() {
				*weights.get_mut(*class) =
					Weight::from_parts(values[2 * i] as u64, values[2 * i + 1] as u64);
			}
			weights
		};
		let base_values: Vec<i128> =
			base.clone().unwrap_or(vec![0; 6]).into_iter().map(i128::from).collect();
		// Each group's final value: base plus its delta, clamped at zero as a real one would be.
		let finals: Vec<Vec<i128>> = deltas
			.iter()
			.map(|d| base_values.iter().zip(d).map(|(b, d)| (b + *d as i128).max(0)).collect())
			.collect();
		let writes: Vec<Option<Vec<u8>>> =
			finals.iter().map(|f| Some(components(f).encode())).collect();
		let base_bytes = base.as_ref().map(|_| components(&base_values).encode());
		let result = merge(MergeRule::PerClassWeightSum, base_bytes.as_deref(), &refs(&writes));

		let mut sequential = base_values.clone();
		for f in &finals {
			sequential.iter_mut().zip(f.iter().zip(&base_values)).for_each(|(s, (f, b))| *s += f - b);
		}
		if writes.iter().all(|w| w.as_deref() == base_bytes.as_deref()) {
			prop_assert_eq!(result, Ok(base_bytes));
		} else if sequential.iter().any(|&s| s < 0) {
			prop_assert_eq!(result, Err(MergeError::Overflow));
		} else {
			prop_assert_eq!(result, Ok(Some(components(&sequential).encode())));
		}
	}

	#[test]
	fn arbitrary_bytes_never_panic_and_malformed_values_are_named(
		base in option::of(vec(any::<u8>(), 0..20)),
		writes in vec(option::of(vec(any::<u8>(), 0..20)), 0..4),
	) {
		let rules = [
			MergeRule::Positional,
			MergeRule::Append,
			MergeRule::SumU32,
			MergeRule::SumU64,
			MergeRule::SumU128,
			MergeRule::PerClassWeightSum,
			MergeRule::Conflict,
		];
		for rule in rules {
			let result = merge(rule, base.as_deref(), &refs(&writes));
			if let Err(MergeError::Malformed { at: ValueAt::Write(write) }) = result {
				prop_assert!((write as usize) < writes.len());
			}
		}
		// For an integer rule, the first bad value is reported: a base of the wrong width, else
		// the first write that has the wrong width or removes an existing value.
		let changed = writes.iter().any(|w| *w != base);
		let bad_width = |b: &Vec<u8>| b.len() != 4;
		let expected = if !changed {
			None
		} else if base.as_ref().is_some_and(bad_width) {
			Some(MergeError::Malformed { at: ValueAt::Base })
		} else {
			writes.iter().enumerate().find_map(|(i, w)| match w {
				Some(b) if bad_width(b) => Some(MergeError::Malformed { at: ValueAt::Write(i as u32) }),
				None if base.is_some() => Some(MergeError::Removed { write: i as u32 }),
				_ => None,
			})
		};
		if let Some(error) = expected {
			prop_assert_eq!(merge(MergeRule::SumU32, base.as_deref(), &refs(&writes)), Err(error));
		}
	}
}

#[test]
fn malformed_values_are_reported_where_they_are() {
	let good = 5u32.encode();
	let short = vec![1u8, 2, 3];
	assert_eq!(
		merge(MergeRule::SumU32, Some(&short), &[Some(&good)]),
		Err(MergeError::Malformed { at: ValueAt::Base })
	);
	assert_eq!(
		merge(MergeRule::SumU32, Some(&good), &[Some(&good), Some(&short)]),
		Err(MergeError::Malformed { at: ValueAt::Write(1) })
	);
	let long = [good.clone(), vec![0]].concat();
	assert_eq!(
		merge(MergeRule::SumU32, Some(&good), &[Some(&long)]),
		Err(MergeError::Malformed { at: ValueAt::Write(0) })
	);
	// A weight cut off in its last compact.
	let weights = PerDispatchClass::<Weight>::default().encode();
	let cut = &weights[..weights.len() - 1];
	assert_eq!(
		merge(MergeRule::PerClassWeightSum, None, &[Some(cut)]),
		Err(MergeError::Malformed { at: ValueAt::Write(0) })
	);
	// A vector whose length prefix is not a valid compact.
	assert_eq!(
		merge(MergeRule::Append, Some(&[0b11][..]), &[Some(&[0][..])]),
		Err(MergeError::Malformed { at: ValueAt::Base })
	);
}

#[test]
fn an_append_that_rewrote_the_base_items_is_not_an_append() {
	let base = vec![1u8, 2].encode();
	let rewritten = vec![9u8, 2, 3].encode();
	let fewer = vec![1u8].encode();
	let extra_bytes_no_items = [Compact(2u32).encode(), vec![1, 2, 7]].concat();
	assert_eq!(
		merge(MergeRule::Append, Some(&base), &[Some(&rewritten)]),
		Err(MergeError::NotAnAppend { write: 0 })
	);
	assert_eq!(
		merge(MergeRule::Append, Some(&base), &[Some(&fewer)]),
		Err(MergeError::NotAnAppend { write: 0 })
	);
	assert_eq!(
		merge(MergeRule::Append, Some(&base), &[Some(&extra_bytes_no_items)]),
		Err(MergeError::NotAnAppend { write: 0 })
	);
	assert_eq!(
		merge(MergeRule::Append, Some(&base), &[None]),
		Err(MergeError::Removed { write: 0 })
	);
}
