//! Builds the runtime's WASM blob with substrate-wasm-builder (`SKIP_WASM_BUILD=1` skips it),
//! and a second blob with the feature `increment-spec-version` for the upgrade tests
//! (`next_release::WASM_BINARY`), as polkadot-sdk's cumulus test runtime does.

fn main() {
	#[cfg(feature = "std")]
	{
		substrate_wasm_builder::WasmBuilder::build_using_defaults();
		substrate_wasm_builder::WasmBuilder::init_with_defaults()
			.enable_feature("increment-spec-version")
			.set_file_name("wasm_binary_next_release.rs")
			.build();
	}
}
