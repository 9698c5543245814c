//! Constructor arguments, ABI-encoded by alloy's encoder from JSON values, with a placeholder
//! ([`pallet_batch_deploy::placeholder`]) wherever a `contract X` parameter is bound to a
//! contract of the suite.

use alloy_dyn_abi::{DynSolType, DynSolValue, Specifier};
use alloy_json_abi::{InternalType, JsonAbi, Param};
use alloy_primitives::Address;
use pallet_batch_deploy::placeholder::{placeholder, PLACEHOLDER_LEN};
use pex_primitives::NodeIndex;
use serde_json::Value;

/// Why constructor arguments cannot be encoded. Every variant names the parameter.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum EncodeError {
	/// Arguments were given to a contract without a constructor.
	#[error("it has no constructor, but constructor_args were given")]
	NoConstructor,
	/// `constructor_args` is neither an object nor an array.
	#[error("constructor_args must be an object (by parameter name) or an array (in order)")]
	NotArguments,
	/// An argument names no parameter of the constructor.
	#[error("the constructor has no parameter `{0}`")]
	UnknownParameter(String),
	/// An array of arguments of the wrong length.
	#[error("the constructor takes {expected} arguments, {given} were given")]
	ArgumentCount {
		/// Parameters of the constructor.
		expected: usize,
		/// Arguments given.
		given: usize,
	},
	/// A parameter without a value that no contract of the suite binds.
	#[error(
		"constructor parameter `{parameter}` ({internal_type}) has no value in constructor_args \
		 and is not bound to a contract of the suite"
	)]
	Unbound {
		/// The parameter's name (or its position, if it has none).
		parameter: String,
		/// Its type as the ABI names it (e.g. `contract Token`, `uint256`).
		internal_type: String,
	},
	/// The ABI's type of a parameter is not one alloy understands.
	#[error(
		"constructor parameter `{parameter}` has type `{ty}`, which cannot be encoded: {reason}"
	)]
	BadType {
		/// The parameter.
		parameter: String,
		/// Its type.
		ty: String,
		/// Why.
		reason: String,
	},
	/// A value does not fit its parameter's type.
	#[error("constructor parameter `{parameter}` ({ty}): {value} is not a valid value: {reason}")]
	BadValue {
		/// The parameter.
		parameter: String,
		/// Its type.
		ty: String,
		/// The value given.
		value: String,
		/// Why.
		reason: String,
	},
}

/// A constructor's input and the contracts of the suite its parameters were bound to.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct EncodedConstructor {
	/// The ABI-encoded arguments, a placeholder word for each bound parameter.
	pub input: Vec<u8>,
	/// The suite's contracts bound to parameters, in parameter order (they are dependencies).
	pub bound: Vec<NodeIndex>,
}

/// An address no one passes by accident, standing for the contract at `index` while encoding:
/// `pexbind:` and eight `0xff`, then the index. Its ABI word is replaced by the placeholder.
fn stand_in(index: NodeIndex) -> Address {
	let mut bytes = [0xffu8; 20];
	bytes[..8].copy_from_slice(b"pexbind:");
	bytes[16..].copy_from_slice(&index.to_be_bytes());
	Address::from(bytes)
}

/// Encode `abi`'s constructor arguments from `args`; a parameter without a value whose ABI
/// `internalType` is `contract X` is bound to `contract_index(X)` if that is `Some`.
pub fn encode_constructor(
	abi: &JsonAbi,
	args: Option<&Value>,
	contract_index: impl Fn(&str) -> Option<NodeIndex>,
) -> Result<EncodedConstructor, EncodeError> {
	let params: &[Param] = match &abi.constructor {
		Some(constructor) => &constructor.inputs,
		None => match args {
			None => &[],
			Some(Value::Object(map)) if map.is_empty() => &[],
			Some(Value::Array(list)) if list.is_empty() => &[],
			Some(_) => return Err(EncodeError::NoConstructor),
		},
	};
	let name_of = |at: usize, param: &Param| {
		if param.name.is_empty() {
			format!("#{at}")
		} else {
			param.name.clone()
		}
	};
	let given: Vec<Option<&Value>> = match args {
		None => vec![None; params.len()],
		Some(Value::Object(map)) => {
			if let Some(unknown) = map.keys().find(|key| !params.iter().any(|p| &p.name == *key)) {
				return Err(EncodeError::UnknownParameter(unknown.clone()))
			}
			params.iter().map(|param| map.get(&param.name)).collect()
		},
		Some(Value::Array(list)) if list.len() == params.len() => list.iter().map(Some).collect(),
		Some(Value::Array(list)) =>
			return Err(EncodeError::ArgumentCount { expected: params.len(), given: list.len() }),
		Some(_) => return Err(EncodeError::NotArguments),
	};

	let mut values = Vec::with_capacity(params.len());
	let mut bound = Vec::new();
	for (at, (param, value)) in params.iter().zip(given).enumerate() {
		let parameter = name_of(at, param);
		let ty: DynSolType = param.resolve().map_err(|error| EncodeError::BadType {
			parameter: parameter.clone(),
			ty: param.ty.clone(),
			reason: error.to_string(),
		})?;
		match value {
			Some(value) =>
				values.push(from_json(&ty, value).map_err(|reason| EncodeError::BadValue {
					parameter: parameter.clone(),
					ty: param.ty.clone(),
					value: value.to_string(),
					reason,
				})?),
			None => {
				let contract = match &param.internal_type {
					Some(InternalType::Contract(name)) if ty == DynSolType::Address =>
						contract_index(name.trim_start_matches("contract ")),
					_ => None,
				};
				let Some(index) = contract else {
					return Err(EncodeError::Unbound {
						parameter,
						internal_type: param
							.internal_type
							.as_ref()
							.map_or_else(|| param.ty.clone(), |t| t.to_string()),
					})
				};
				bound.push(index);
				values.push(DynSolValue::Address(stand_in(index)));
			},
		}
	}
	let mut input = DynSolValue::Tuple(values).abi_encode_params();
	for &index in &bound {
		let mut word = [0u8; PLACEHOLDER_LEN];
		word[12..].copy_from_slice(stand_in(index).as_slice());
		for chunk in input.chunks_exact_mut(PLACEHOLDER_LEN) {
			if *chunk == word {
				chunk.copy_from_slice(&placeholder(index));
			}
		}
	}
	Ok(EncodedConstructor { input, bound })
}

/// The value of type `ty` that `json` gives: strings and numbers as Solidity literals (alloy's
/// coercion), booleans, and arrays for arrays and tuples.
fn from_json(ty: &DynSolType, json: &Value) -> Result<DynSolValue, String> {
	let items = |list: &Vec<Value>, item: &DynSolType| {
		list.iter().map(|value| from_json(item, value)).collect::<Result<Vec<_>, _>>()
	};
	match (ty, json) {
		(DynSolType::Array(item), Value::Array(list)) => Ok(DynSolValue::Array(items(list, item)?)),
		(DynSolType::FixedArray(item, len), Value::Array(list)) if list.len() == *len =>
			Ok(DynSolValue::FixedArray(items(list, item)?)),
		(DynSolType::FixedArray(_, len), Value::Array(list)) =>
			Err(format!("{} items for an array of {len}", list.len())),
		(DynSolType::Tuple(types), Value::Array(list)) if list.len() == types.len() =>
			Ok(DynSolValue::Tuple(
				types
					.iter()
					.zip(list)
					.map(|(ty, v)| from_json(ty, v))
					.collect::<Result<_, _>>()?,
			)),
		(DynSolType::Tuple(types), _) => Err(format!("a tuple needs an array of {}", types.len())),
		(_, Value::String(text)) => ty.coerce_str(text).map_err(|error| error.to_string()),
		(_, Value::Number(number)) =>
			ty.coerce_str(&number.to_string()).map_err(|error| error.to_string()),
		(_, Value::Bool(flag)) => ty
			.coerce_str(if *flag { "true" } else { "false" })
			.map_err(|error| error.to_string()),
		_ => Err("expected a string, a number, a boolean or an array".into()),
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use serde_json::json;

	fn abi(inputs: Value) -> JsonAbi {
		serde_json::from_value(json!([{
			"type": "constructor", "stateMutability": "nonpayable", "inputs": inputs
		}]))
		.unwrap()
	}

	#[test]
	fn bound_contracts_become_placeholders_and_values_are_encoded_by_alloy() {
		let abi = abi(json!([
			{"name": "token_", "type": "address", "internalType": "contract Token"},
			{"name": "fee", "type": "uint256", "internalType": "uint256"},
			{"name": "label", "type": "string", "internalType": "string"},
		]));
		let index = |name: &str| (name == "Token").then_some(4);
		let encoded =
			encode_constructor(&abi, Some(&json!({"fee": 30, "label": "pex"})), index).unwrap();
		assert_eq!(encoded.bound, vec![4]);
		assert_eq!(&encoded.input[..32], &placeholder(4));
		let expected_tail = DynSolValue::Tuple(vec![
			DynSolValue::Address(Address::ZERO),
			DynSolValue::Uint(alloy_primitives::U256::from(30), 256),
			DynSolValue::String("pex".into()),
		])
		.abi_encode_params();
		assert_eq!(&encoded.input[32..], &expected_tail[32..]);
	}

	#[test]
	fn missing_unknown_and_ill_typed_arguments_are_named() {
		let abi = abi(json!([
			{"name": "token_", "type": "address", "internalType": "contract Token"},
			{"name": "fee", "type": "uint8", "internalType": "uint8"},
		]));
		let none = |_: &str| None;
		assert_eq!(
			encode_constructor(&abi, Some(&json!({"fee": 1})), none),
			Err(EncodeError::Unbound {
				parameter: "token_".into(),
				internal_type: "contract Token".into()
			})
		);
		let token = |name: &str| (name == "Token").then_some(0);
		assert!(matches!(
			encode_constructor(&abi, Some(&json!({"fee": 300})), token),
			Err(EncodeError::BadValue { parameter, .. }) if parameter == "fee"
		));
		assert_eq!(
			encode_constructor(&abi, Some(&json!({"fees": 1})), token),
			Err(EncodeError::UnknownParameter("fees".into()))
		);
		assert_eq!(
			encode_constructor(&abi, Some(&json!([1])), token),
			Err(EncodeError::ArgumentCount { expected: 2, given: 1 })
		);
		let no_constructor = JsonAbi::default();
		assert_eq!(
			encode_constructor(&no_constructor, Some(&json!([1])), token),
			Err(EncodeError::NoConstructor)
		);
		assert_eq!(
			encode_constructor(&no_constructor, None, token).unwrap().input,
			Vec::<u8>::new()
		);
	}
}
