//! Helpers shared by the runtime's tests: genesis from a real preset, signed extrinsics, blocks
//! and storage snapshots.

#![allow(dead_code, reason = "each test module uses a different subset")]
#![allow(unreachable_pub, reason = "a module shared by test modules")]

use codec::Encode;
use frame_support::genesis_builder_helper::build_state;
use pex_runtime::{
	genesis_config_presets::get_preset, Executive, Header, Nonce, Runtime, RuntimeCall,
	RuntimeGenesisConfig, SignedPayload, TxExtension, UncheckedExtrinsic,
};
use sp_genesis_builder::PresetId;
use sp_keyring::Sr25519Keyring;
use sp_runtime::{generic, traits::Header as _, MultiAddress, MultiSignature};
use std::collections::BTreeMap;

/// Externalities holding the genesis state of the `development` preset.
pub fn development() -> sp_io::TestExternalities {
	preset("development")
}

/// Externalities holding the genesis state of preset `name`: the preset (a patch) merged into
/// the default config, as a node's chain spec builder does.
pub fn preset(name: &str) -> sp_io::TestExternalities {
	preset_with(name, serde_json::json!({}))
}

/// As [`preset`], with `patch` merged over the preset (as a chain spec edited by its operator).
pub fn preset_with(name: &str, patch: serde_json::Value) -> sp_io::TestExternalities {
	let preset: serde_json::Value =
		serde_json::from_slice(&get_preset(&PresetId::from(name)).expect("the preset exists"))
			.expect("the preset is JSON");
	let mut config =
		serde_json::to_value(RuntimeGenesisConfig::default()).expect("the default serializes");
	merge(&mut config, preset);
	merge(&mut config, patch);
	let mut ext = sp_io::TestExternalities::new_empty();
	ext.execute_with(|| {
		let json = serde_json::to_vec(&config).expect("serializes");
		build_state::<RuntimeGenesisConfig>(json).expect("the preset builds");
	});
	ext
}

/// Merge `patch` into `base`: objects key by key, anything else replaced.
fn merge(base: &mut serde_json::Value, patch: serde_json::Value) {
	match (base, patch) {
		(serde_json::Value::Object(base), serde_json::Value::Object(patch)) =>
			for (key, value) in patch {
				merge(base.entry(key).or_insert(serde_json::Value::Null), value);
			},
		(base, patch) => *base = patch,
	}
}

/// The transaction extensions of a transaction with `nonce`, no tip.
pub fn extensions(nonce: Nonce) -> TxExtension {
	pex_runtime::tx_extension(nonce, 0)
}

/// `call` signed by `who` with `nonce`. Must run inside externalities (it reads the genesis
/// hash).
pub fn signed(who: Sr25519Keyring, nonce: Nonce, call: RuntimeCall) -> UncheckedExtrinsic {
	let extensions = extensions(nonce);
	let payload = SignedPayload::new(call.clone(), extensions.clone()).expect("valid payload");
	let signature = payload.using_encoded(|bytes| who.sign(bytes));
	generic::UncheckedExtrinsic::new_signed(
		call,
		MultiAddress::Id(who.to_account_id()),
		MultiSignature::Sr25519(signature),
		extensions,
	)
	.into()
}

/// `call` as a bare extrinsic (an inherent).
pub fn bare(call: RuntimeCall) -> UncheckedExtrinsic {
	generic::UncheckedExtrinsic::new_bare(call).into()
}

/// The digest of a block Aura authored in `slot`: pallet-aura requires the timestamp inherent
/// to fall into it (slot 1 is `now: 6_000`).
pub fn aura_digest(slot: u64) -> sp_runtime::Digest {
	let slot = sp_consensus_aura::Slot::from(slot);
	let item = sp_runtime::DigestItem::PreRuntime(sp_consensus_aura::AURA_ENGINE_ID, slot.encode());
	sp_runtime::Digest { logs: vec![item] }
}

/// Start block 1 on top of genesis, authored in Aura slot 1.
pub fn start_block() {
	let parent = frame_system::Pallet::<Runtime>::block_hash(0);
	let header = Header::new(1, Default::default(), Default::default(), parent, aura_digest(1));
	Executive::initialize_block(&header);
}

/// The state parallel groups fork from: block 1 started and the post-inherent step run (which
/// a sequential block runs inside its first non-inherent extrinsic: it writes
/// `System::InherentsApplied`).
pub fn parallel_base() {
	start_block();
	Executive::inherents_applied();
}

/// Every key and value in storage.
pub fn snapshot() -> BTreeMap<Vec<u8>, Vec<u8>> {
	let mut all = BTreeMap::new();
	let mut key = Vec::new();
	while let Some(next) = sp_io::storage::next_key(&key) {
		let value = sp_io::storage::get(&next).map(|v| v.to_vec()).unwrap_or_default();
		all.insert(next.clone(), value);
		key = next;
	}
	all
}

/// The keys whose values differ between two snapshots (written, created or removed).
pub fn changed(
	before: &BTreeMap<Vec<u8>, Vec<u8>>,
	after: &BTreeMap<Vec<u8>, Vec<u8>>,
) -> std::collections::BTreeSet<Vec<u8>> {
	before
		.keys()
		.chain(after.keys())
		.filter(|key| before.get(*key) != after.get(*key))
		.cloned()
		.collect()
}

/// A transfer call of `amount` to `dest`.
pub fn transfer(dest: Sr25519Keyring, amount: u128) -> RuntimeCall {
	RuntimeCall::Balances(pallet_balances::Call::transfer_allow_death {
		dest: MultiAddress::Id(dest.to_account_id()),
		value: amount,
	})
}

/// The encoded length of `xt`, as the pool reports it.
pub fn len(xt: &UncheckedExtrinsic) -> usize {
	xt.encoded_size()
}

/// Reports this runtime's version with a higher `spec_version` for any blob: what a real
/// upgrade's blob would report (natively, the runtime cannot read a blob's version itself).
pub struct NextVersion;

impl sp_core::traits::ReadRuntimeVersion for NextVersion {
	fn read_runtime_version(
		&self,
		_wasm_code: &[u8],
		_ext: &mut dyn sp_externalities::Externalities,
	) -> Result<Vec<u8>, String> {
		let mut version = pex_runtime::VERSION;
		version.spec_version += 1;
		Ok(codec::Encode::encode(&version))
	}
}
