//! The chains `pex-node` knows by name: `dev` (one authority, Alice) and `local` (Alice, Bob and
//! Charlie), both built from the runtime's genesis presets. Any other `--chain` is a chain-spec
//! JSON file.

use pex_runtime::WASM_BINARY;
use sc_service::ChainType;
use sp_genesis_builder::{DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};

/// A chain specification of the pex runtime.
pub type ChainSpec = sc_service::GenericChainSpec;

/// How wallets show the token: symbol, 12 decimals, the generic SS58 prefix 42.
fn properties() -> sc_service::Properties {
	let mut properties = sc_service::Properties::new();
	properties.insert("tokenSymbol".into(), "PEX".into());
	properties.insert("tokenDecimals".into(), 12.into());
	properties.insert("ss58Format".into(), 42.into());
	properties
}

fn wasm() -> Result<&'static [u8], String> {
	WASM_BINARY.ok_or_else(|| {
		"the runtime's WASM blob was not built (the node was built with SKIP_WASM_BUILD)".into()
	})
}

/// The development chain: Alice authors every block and is root; twelve dev accounts funded.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("pex development")
		.with_id("pex_dev")
		.with_chain_type(ChainType::Development)
		.with_protocol_id("pex")
		.with_genesis_config_preset_name(DEV_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// A local test network: Alice, Bob and Charlie author in turn and vote on finality.
pub fn local_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("pex local testnet")
		.with_id("pex_local_testnet")
		.with_chain_type(ChainType::Local)
		.with_protocol_id("pex")
		.with_genesis_config_preset_name(LOCAL_TESTNET_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}
