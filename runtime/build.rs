//! Builds the runtime's WASM blob with substrate-wasm-builder (`SKIP_WASM_BUILD=1` skips it).

fn main() {
	#[cfg(feature = "std")]
	substrate_wasm_builder::WasmBuilder::build_using_defaults();
}
