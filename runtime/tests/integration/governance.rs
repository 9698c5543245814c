//! Runtime upgrades through governance, run natively block by block: a referendum on the Root
//! track authorizes a code hash (`System::authorize_upgrade`), the scheduler enacts it, and
//! anyone applies the blob (`System::apply_authorized_upgrade`); a blob of another hash is
//! refused.

use crate::common::*;
use codec::Encode;
use frame_support::traits::{schedule::DispatchTime, Bounded, UnfilteredDispatchable};
use pex_runtime::{
	Executive, OriginCaller, Runtime, RuntimeCall, RuntimeOrigin, UncheckedExtrinsic, UNIT,
};
use sp_core::H256;
use sp_keyring::Sr25519Keyring::{self, Alice, Bob, Charlie, Dave, Eve};
use sp_runtime::traits::Header as _;

/// A chain run block by block: each block in its own Aura slot, with its timestamp inherent.
struct Blocks {
	parent: H256,
	number: u32,
	nonces: std::collections::HashMap<Sr25519Keyring, u32>,
}

impl Blocks {
	fn new() -> Self {
		Self {
			parent: frame_system::Pallet::<Runtime>::block_hash(0),
			number: 0,
			nonces: Default::default(),
		}
	}

	/// `call` signed by `who` with its next nonce.
	fn signed(&mut self, who: Sr25519Keyring, call: RuntimeCall) -> UncheckedExtrinsic {
		let nonce = self.nonces.entry(who).or_default();
		let xt = signed(who, *nonce, call);
		*nonce += 1;
		xt
	}

	/// The next block with `extrinsics`, each of which must apply and succeed.
	fn block(&mut self, extrinsics: Vec<UncheckedExtrinsic>) {
		self.number += 1;
		let header = pex_runtime::Header::new(
			self.number,
			Default::default(),
			Default::default(),
			self.parent,
			aura_digest(self.number.into()),
		);
		Executive::initialize_block(&header);
		let now = u64::from(self.number) * 6_000;
		let timestamp = bare(RuntimeCall::Timestamp(pallet_timestamp::Call::set { now }));
		assert_eq!(Executive::apply_extrinsic(timestamp), Ok(Ok(())));
		for xt in extrinsics {
			assert_eq!(Executive::apply_extrinsic(xt), Ok(Ok(())), "block {}", self.number);
		}
		self.parent = Executive::finalize_block().hash();
	}
}

fn authorize(hash: H256) -> Bounded<RuntimeCall, sp_runtime::traits::BlakeTwo256> {
	let call = RuntimeCall::System(frame_system::Call::authorize_upgrade { code_hash: hash });
	Bounded::Inline(call.encode().try_into().expect("authorize_upgrade is small"))
}

/// Alice's referendum 0 on the Root track to authorize `hash`, with its decision deposit.
fn referendum(chain: &mut Blocks, hash: H256) -> Vec<UncheckedExtrinsic> {
	let submit = RuntimeCall::Referenda(pallet_referenda::Call::submit {
		proposal_origin: Box::new(OriginCaller::system(frame_system::RawOrigin::Root)),
		proposal: authorize(hash),
		enactment_moment: DispatchTime::After(1),
	});
	let deposit =
		RuntimeCall::Referenda(pallet_referenda::Call::place_decision_deposit { index: 0 });
	vec![chain.signed(Alice, submit), chain.signed(Alice, deposit)]
}

/// A vote on referendum `index`, `aye` or nay, of `balance` with conviction 1x.
fn vote(index: u32, aye: bool, balance: u128) -> RuntimeCall {
	use pallet_conviction_voting::{AccountVote, Conviction, Vote};
	RuntimeCall::ConvictionVoting(pallet_conviction_voting::Call::vote {
		poll_index: index,
		vote: AccountVote::Standard {
			vote: Vote { aye, conviction: Conviction::Locked1x },
			balance,
		},
	})
}

#[test]
fn a_referendum_authorizes_an_upgrade_that_anyone_applies_and_only_with_that_blob() {
	let blob = pex_runtime::next_release::WASM_BINARY.expect("the next release is built");
	let hash = H256(sp_io::hashing::blake2_256(blob));
	let mut ext = development();
	ext.register_extension(sp_core::traits::ReadRuntimeVersionExt::new(NextVersion));
	ext.execute_with(|| {
		let mut chain = Blocks::new();
		// Given a referendum on the Root track to authorize the next release's hash, its decision
		// deposit placed, and five accounts voting aye with most of their balance.
		let mut first = referendum(&mut chain, hash);
		for who in [Alice, Bob, Charlie, Dave, Eve] {
			first.push(chain.signed(who, vote(0, true, 900_000 * UNIT)));
		}
		chain.block(first);
		assert!(frame_system::Pallet::<Runtime>::authorized_upgrade().is_none());

		// When blocks pass, the referendum is decided, confirmed and enacted.
		while frame_system::Pallet::<Runtime>::authorized_upgrade().is_none() {
			assert!(chain.number < 30, "not enacted within 30 blocks (development periods)");
			chain.block(vec![]);
		}
		assert!(matches!(
			pallet_referenda::ReferendumInfoFor::<Runtime>::get(0),
			Some(pallet_referenda::ReferendumInfo::Approved(..))
		));

		// Then a blob of another hash is refused, and the authorized one applied by anyone.
		let other = RuntimeCall::System(frame_system::Call::apply_authorized_upgrade {
			code: [blob, b"!"].concat(),
		});
		let refused = other.dispatch_bypass_filter(RuntimeOrigin::none());
		assert_eq!(
			refused.map_err(|error| error.error),
			Err(frame_system::Error::<Runtime>::Unauthorized.into())
		);
		let apply = RuntimeCall::System(frame_system::Call::apply_authorized_upgrade {
			code: blob.to_vec(),
		});
		assert!(apply.dispatch_bypass_filter(RuntimeOrigin::none()).is_ok());
		assert_eq!(sp_io::storage::get(b":code").as_deref(), Some(blob));
	});
}

#[test]
fn a_referendum_voted_down_changes_nothing() {
	let blob = pex_runtime::next_release::WASM_BINARY.expect("the next release is built");
	let hash = H256(sp_io::hashing::blake2_256(blob));
	development().execute_with(|| {
		let mut chain = Blocks::new();
		let mut first = referendum(&mut chain, hash);
		first.push(chain.signed(Alice, vote(0, true, 100_000 * UNIT)));
		for who in [Bob, Charlie, Dave, Eve] {
			first.push(chain.signed(who, vote(0, false, 900_000 * UNIT)));
		}
		chain.block(first);
		while !matches!(
			pallet_referenda::ReferendumInfoFor::<Runtime>::get(0),
			Some(pallet_referenda::ReferendumInfo::Rejected(..))
		) {
			assert!(chain.number < 30, "not rejected within 30 blocks (development periods)");
			chain.block(vec![]);
		}
		assert!(frame_system::Pallet::<Runtime>::authorized_upgrade().is_none());
		assert_ne!(sp_io::storage::get(b":code").as_deref(), Some(blob));
	});
}

/// Alice's referendum `index` for `call` (inline) to be dispatched with `origin` (which picks the
/// track), with its decision deposit.
fn referendum_as(
	chain: &mut Blocks,
	index: u32,
	origin: pex_runtime::origins::Origin,
	call: RuntimeCall,
) -> Vec<UncheckedExtrinsic> {
	let submit = RuntimeCall::Referenda(pallet_referenda::Call::submit {
		proposal_origin: Box::new(OriginCaller::Origins(origin)),
		proposal: Bounded::Inline(call.encode().try_into().expect("the call is small")),
		enactment_moment: DispatchTime::After(1),
	});
	let deposit = RuntimeCall::Referenda(pallet_referenda::Call::place_decision_deposit { index });
	vec![chain.signed(Alice, submit), chain.signed(Alice, deposit)]
}

#[test]
fn the_parameters_track_sets_limits_and_compute_time_but_cannot_upgrade() {
	use pallet_batch_deploy::BatchLimits;
	use pex_runtime::{configs::BlockComputeMillis, origins::Origin, BatchDeploy};
	let hash = H256::repeat_byte(7);
	development().execute_with(|| {
		let mut chain = Blocks::new();
		// Given three referenda on the parameters track, each voted aye by five accounts: lower
		// the batch limits, raise the block's compute time, and authorize an upgrade.
		let limits = BatchLimits { max_contracts: 2, ..BatchDeploy::max_limits() };
		let calls = [
			RuntimeCall::BatchDeploy(pallet_batch_deploy::Call::set_limits { limits }),
			RuntimeCall::Parameters(pex_runtime::parameters::Call::set_block_compute_millis {
				millis: 3_000,
			}),
			RuntimeCall::System(frame_system::Call::authorize_upgrade { code_hash: hash }),
		];
		let mut first = Vec::new();
		for (index, call) in (0..).zip(calls) {
			first.extend(referendum_as(&mut chain, index, Origin::Parameters, call));
		}
		for who in [Alice, Bob, Charlie, Dave, Eve] {
			for index in 0..3 {
				first.push(chain.signed(who, vote(index, true, 900_000 * UNIT)));
			}
		}
		chain.block(first);
		assert_eq!(BlockComputeMillis::get(), 2_000);

		// When blocks pass, all three pass and are enacted with the parameters origin.
		let mut refused_upgrade = false;
		while BatchDeploy::limits() != limits ||
			BlockComputeMillis::get() != 3_000 ||
			!refused_upgrade
		{
			assert!(chain.number < 30, "not enacted within 30 blocks (development periods)");
			chain.block(vec![]);
			refused_upgrade |= frame_system::Pallet::<Runtime>::events().iter().any(|record| {
				matches!(
					&record.event,
					pex_runtime::RuntimeEvent::Scheduler(pallet_scheduler::Event::Dispatched {
						result: Err(sp_runtime::DispatchError::BadOrigin),
						..
					})
				)
			});
		}
		for index in 0..3 {
			assert!(matches!(
				pallet_referenda::ReferendumInfoFor::<Runtime>::get(index),
				Some(pallet_referenda::ReferendumInfo::Approved(..))
			));
		}
		// Then the limits and the compute time changed; the upgrade, which needs Root, did not.
		assert!(frame_system::Pallet::<Runtime>::authorized_upgrade().is_none());
		assert_eq!(
			pex_runtime::configs::RuntimeBlockWeights::get().max_block.ref_time(),
			3_000 * frame_support::weights::constants::WEIGHT_REF_TIME_PER_MILLIS
		);
	});
}

#[test]
fn only_root_and_the_parameters_track_set_the_compute_time_and_only_in_range() {
	use pex_runtime::{configs::BlockComputeMillis, parameters, Parameters};
	development().execute_with(|| {
		let set =
			|origin: RuntimeOrigin, millis| Parameters::set_block_compute_millis(origin, millis);
		assert!(set(RuntimeOrigin::signed(Alice.to_account_id()), 3_000).is_err());
		assert!(set(RuntimeOrigin::none(), 3_000).is_err());
		assert_eq!(
			set(RuntimeOrigin::root(), 99),
			Err(parameters::Error::<Runtime>::ComputeMillisOutOfRange.into())
		);
		assert_eq!(
			set(RuntimeOrigin::root(), 60_001),
			Err(parameters::Error::<Runtime>::ComputeMillisOutOfRange.into())
		);
		assert_eq!(BlockComputeMillis::get(), 2_000);
		assert!(set(RuntimeOrigin::root(), 100).is_ok());
		assert!(set(pex_runtime::origins::Origin::Parameters.into(), 60_000).is_ok());
		assert_eq!(BlockComputeMillis::get(), 60_000);
	});
}

/// The hash frame-system and pallet-whitelist know `call` by.
fn call_hash(call: &RuntimeCall) -> H256 {
	use sp_runtime::traits::Hash;
	<Runtime as frame_system::Config>::Hashing::hash_of(call)
}

/// The technical committee (Alice, Bob and Charlie in the development preset) whitelists `call`:
/// Alice proposes, Alice and Bob vote aye (two of three), Alice closes the motion.
fn committee_whitelists(chain: &mut Blocks, call: &RuntimeCall) {
	let whitelist = RuntimeCall::Whitelist(pallet_whitelist::Call::whitelist_call {
		call_hash: call_hash(call),
	});
	let length_bound = whitelist.encoded_size() as u32;
	let motion = call_hash(&whitelist);
	let propose = RuntimeCall::TechnicalCommittee(pallet_collective::Call::propose {
		threshold: 2,
		proposal: Box::new(whitelist),
		length_bound,
	});
	let propose = chain.signed(Alice, propose);
	chain.block(vec![propose]);
	let vote = |approve| {
		RuntimeCall::TechnicalCommittee(pallet_collective::Call::vote {
			proposal: motion,
			index: 0,
			approve,
		})
	};
	let close = RuntimeCall::TechnicalCommittee(pallet_collective::Call::close {
		proposal_hash: motion,
		index: 0,
		proposal_weight_bound: sp_runtime::Weight::from_parts(10_000_000_000, 100_000),
		length_bound,
	});
	let xts = vec![
		chain.signed(Alice, vote(true)),
		chain.signed(Bob, vote(true)),
		chain.signed(Alice, close),
	];
	chain.block(xts);
}

#[test]
fn a_fix_the_technical_committee_whitelisted_passes_the_fast_track_as_root() {
	use pex_runtime::origins::Origin;
	let hash = H256::repeat_byte(9);
	development().execute_with(|| {
		let mut chain = Blocks::new();
		// Given the technical committee whitelisted a fix (here: authorizing an upgrade).
		let fix = RuntimeCall::System(frame_system::Call::authorize_upgrade { code_hash: hash });
		committee_whitelists(&mut chain, &fix);
		assert!(pallet_whitelist::WhitelistedCall::<Runtime>::contains_key(call_hash(&fix)));
		assert!(frame_system::Pallet::<Runtime>::authorized_upgrade().is_none());

		// When a referendum on the whitelisted_caller track dispatches it, one account (Dave,
		// about 4 % of the issuance) voting aye.
		let dispatch = RuntimeCall::Whitelist(
			pallet_whitelist::Call::dispatch_whitelisted_call_with_preimage {
				call: Box::new(fix.clone()),
			},
		);
		let mut xts = referendum_as(&mut chain, 0, Origin::WhitelistedCaller, dispatch);
		xts.push(chain.signed(Dave, vote(0, true, 500_000 * UNIT)));
		chain.block(xts);
		let voted = chain.number;
		while frame_system::Pallet::<Runtime>::authorized_upgrade().is_none() {
			assert!(
				chain.number < voted + 20,
				"not enacted within 20 blocks (development periods)"
			);
			chain.block(vec![]);
		}

		// Then the fix ran as Root (the Root track would have needed about 50 % support at
		// first), and its whitelisting is used up.
		assert!(!pallet_whitelist::WhitelistedCall::<Runtime>::contains_key(call_hash(&fix)));
	});
}

#[test]
fn the_fast_track_dispatches_nothing_the_committee_did_not_whitelist() {
	use pex_runtime::origins::Origin;
	let hash = H256::repeat_byte(9);
	development().execute_with(|| {
		let mut chain = Blocks::new();
		// Given a referendum on the whitelisted_caller track for a call nobody whitelisted, and
		// a referendum on the same track whose call is not a whitelist dispatch.
		let fix = RuntimeCall::System(frame_system::Call::authorize_upgrade { code_hash: hash });
		let dispatch = RuntimeCall::Whitelist(
			pallet_whitelist::Call::dispatch_whitelisted_call_with_preimage {
				call: Box::new(fix.clone()),
			},
		);
		let mut xts = referendum_as(&mut chain, 0, Origin::WhitelistedCaller, dispatch);
		xts.extend(referendum_as(&mut chain, 1, Origin::WhitelistedCaller, fix.clone()));
		xts.push(chain.signed(Dave, vote(0, true, 500_000 * UNIT)));
		xts.push(chain.signed(Dave, vote(1, true, 500_000 * UNIT)));
		chain.block(xts);

		// When both pass and are enacted.
		let approved = |index| {
			matches!(
				pallet_referenda::ReferendumInfoFor::<Runtime>::get(index),
				Some(pallet_referenda::ReferendumInfo::Approved(..))
			)
		};
		while !(approved(0) && approved(1)) {
			assert!(chain.number < 30, "not approved within 30 blocks (development periods)");
			chain.block(vec![]);
		}
		for _ in 0..3 {
			chain.block(vec![]);
		}

		// Then nothing ran as Root: the dispatch waits for a whitelisting that never came, and the
		// track's origin alone may not authorize an upgrade.
		assert!(frame_system::Pallet::<Runtime>::authorized_upgrade().is_none());
		assert!(pallet_whitelist::DeferredDispatch::<Runtime>::contains_key(call_hash(&fix)));
	});
}
