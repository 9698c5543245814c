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

/// The chain `name` (id `id`) of the runtime's genesis preset `preset`.
fn chain_spec(
	name: &str,
	id: &str,
	chain_type: ChainType,
	preset: &str,
) -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name(name)
		.with_id(id)
		.with_chain_type(chain_type)
		.with_protocol_id("pex")
		.with_genesis_config_preset_name(preset)
		.with_properties(properties())
		.build())
}

/// The development chain: Alice authors every block and is root; twelve dev accounts funded.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	chain_spec("pex development", "pex_dev", ChainType::Development, DEV_RUNTIME_PRESET)
}

/// A local test network: Alice, Bob and Charlie author in turn and vote on finality.
pub fn local_chain_spec() -> Result<ChainSpec, String> {
	chain_spec(
		"pex local testnet",
		"pex_local_testnet",
		ChainType::Local,
		LOCAL_TESTNET_RUNTIME_PRESET,
	)
}
