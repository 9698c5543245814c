//! Placeholders: how a constructor input refers to the address of a contract deployed earlier in
//! the same batch.
//!
//! A placeholder is one 32-byte word: the 28 ASCII bytes of [`MARKER`]
//! (`pex:batch-deploy:address-of:`), then the batch index of the dependency as a big-endian
//! `u32`. The pallet replaces it with the dependency's address as the engine's
//! `Deployer::address_word` encodes it (for pallet-revive: the Solidity ABI word of an
//! `address`), so a Solidity constructor `constructor(address token)` receives the token's
//! address when its input is `placeholder(token_index)`.
//!
//! Placeholders are found at any offset, left to right, without overlap; a placeholder must name
//! a declared dependency of its contract, otherwise the batch is rejected. The marker is long
//! and printable, so it does not occur in ordinary ABI-encoded data by accident.

use alloc::vec::Vec;

/// The first 28 bytes of every placeholder.
pub const MARKER: [u8; 28] = *b"pex:batch-deploy:address-of:";

/// Length of a placeholder, and of the address word that replaces it.
pub const PLACEHOLDER_LEN: usize = 32;

/// The placeholder for the address of the contract at `index` in the batch.
pub fn placeholder(index: u32) -> [u8; PLACEHOLDER_LEN] {
	let mut word = [0u8; PLACEHOLDER_LEN];
	word[..MARKER.len()].copy_from_slice(&MARKER);
	word[MARKER.len()..].copy_from_slice(&index.to_be_bytes());
	word
}

/// The placeholders in `input`: `(offset, index)` for each, in order.
pub fn placeholders(input: &[u8]) -> Vec<(usize, u32)> {
	let mut found = Vec::new();
	let mut offset = 0;
	while offset + PLACEHOLDER_LEN <= input.len() {
		let word = &input[offset..offset + PLACEHOLDER_LEN];
		match word.split_at(MARKER.len()) {
			(marker, index) if marker == MARKER => {
				let mut bytes = [0u8; 4];
				bytes.copy_from_slice(index);
				found.push((offset, u32::from_be_bytes(bytes)));
				offset += PLACEHOLDER_LEN;
			},
			_ => offset += 1,
		}
	}
	found
}

/// `input` with every placeholder replaced by `address_word(index)`; `None` if that gives
/// `None` for one of them.
pub fn substitute(
	input: &[u8],
	address_word: impl Fn(u32) -> Option<[u8; PLACEHOLDER_LEN]>,
) -> Option<Vec<u8>> {
	let mut output = input.to_vec();
	for (offset, index) in placeholders(input) {
		output[offset..offset + PLACEHOLDER_LEN].copy_from_slice(&address_word(index)?);
	}
	Some(output)
}

#[cfg(test)]
mod tests {
	use super::*;
	use alloc::vec;

	#[test]
	fn a_placeholder_is_the_marker_and_a_big_endian_index() {
		let word = placeholder(0x0102_0304);
		assert_eq!(&word[..28], b"pex:batch-deploy:address-of:");
		assert_eq!(&word[28..], &[1, 2, 3, 4]);
	}

	#[test]
	fn placeholders_are_found_at_any_offset_and_replaced_in_place() {
		let input =
			[vec![9u8; 3], placeholder(1).to_vec(), vec![7u8; 2], placeholder(0).to_vec()].concat();
		assert_eq!(placeholders(&input), vec![(3, 1), (37, 0)]);
		let replaced = substitute(&input, |index| Some([index as u8 + 0xa0; 32]))
			.expect("every index has a word");
		assert_eq!(replaced, [vec![9u8; 3], vec![0xa1; 32], vec![7u8; 2], vec![0xa0; 32]].concat());
	}

	#[test]
	fn a_cut_off_marker_is_no_placeholder() {
		let input = placeholder(3);
		assert!(placeholders(&input[..31]).is_empty());
		assert!(placeholders(&input[1..]).is_empty());
		assert_eq!(substitute(&input[..31], |_| None), Some(input[..31].to_vec()));
	}

	#[test]
	fn substitution_fails_when_an_index_has_no_address() {
		let input = placeholder(5);
		assert_eq!(substitute(&input, |_| None), None);
	}
}
