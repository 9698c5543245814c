//! On-chain governance as Polkadot chains run it (OpenGov): referenda on tracks
//! (pallet-referenda), conviction voting, preimages and the scheduler that enacts what passed.
//!
//! Three tracks: Root (anything, runtime upgrades included), parameters (batch limits, the
//! block's compute time; nothing else) and whitelisted_caller (the fast track for fixes: only
//! calls the technical committee whitelisted, dispatched as Root). Sudo exists only in the
//! `development` preset.
//!
//! A runtime upgrade goes through the Root track as `System::authorize_upgrade(code_hash)` (small
//! enough to be inlined in the referendum, no preimage); once enacted, anyone submits
//! `System::apply_authorized_upgrade(code)`.

use crate::{
	configs::{deposit, RuntimeBlockWeights},
	AccountId, Balance, Balances, BlockNumber, OriginCaller, Preimage, Referenda, Runtime,
	RuntimeCall, RuntimeEvent, RuntimeHoldReason, RuntimeOrigin, Scheduler, System, UNIT,
};
use alloc::borrow::Cow;
use frame_support::{
	parameter_types,
	traits::{
		fungible::HoldConsideration, ConstU32, EitherOf, EqualPrivilegeOnly, LinearStoragePrice,
	},
	weights::Weight,
};
use frame_system::{EnsureRoot, EnsureSigned};
use pallet_referenda::{Curve, Track, TrackInfo, TracksInfo};
use sp_runtime::Perbill;

/// Blocks per minute at the runtime's six-second slots.
const MINUTES: BlockNumber = 10;
/// Blocks per hour.
const HOURS: BlockNumber = 60 * MINUTES;
/// Blocks per day.
const DAYS: BlockNumber = 24 * HOURS;

parameter_types! {
	/// What the scheduler may use of a block for enacting calls.
	pub MaximumSchedulerWeight: Weight =
		Perbill::from_percent(80) * RuntimeBlockWeights::get().max_block;
	pub const PreimageBaseDeposit: Balance = deposit(2, 64);
	pub const PreimageByteDeposit: Balance = deposit(0, 1);
	pub const PreimageHoldReason: RuntimeHoldReason =
		RuntimeHoldReason::Preimage(pallet_preimage::HoldReason::Preimage);
	/// How long votes stay locked per conviction level.
	pub const VoteLockingPeriod: BlockNumber = 7 * DAYS;
	pub const SubmissionDeposit: Balance = UNIT;
	pub const UndecidingTimeout: BlockNumber = 14 * DAYS;
	/// How long the technical committee's members may vote on a motion.
	pub const TechnicalMotionDuration: BlockNumber = 3 * DAYS;
	/// The most a motion's call may weigh: half a block.
	pub MaxTechnicalProposalWeight: Weight =
		Perbill::from_percent(50) * RuntimeBlockWeights::get().max_block;
	/// How long a whitelisted-caller referendum that passed before its call was whitelisted
	/// waits for the whitelisting (then anyone may dispatch it).
	pub const DeferredDispatchExpiration: BlockNumber = 7 * DAYS;
}

/// The technical committee's instance of pallet-collective.
type TechnicalCollective = pallet_collective::Instance1;

/// Members (from genesis, then set by Root) propose and vote on motions; in this runtime the only
/// thing a motion is for is whitelisting a call (more than half of the members).
impl pallet_collective::Config<TechnicalCollective> for Runtime {
	type RuntimeOrigin = RuntimeOrigin;
	type Proposal = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type MotionDuration = TechnicalMotionDuration;
	type MaxProposals = ConstU32<100>;
	type MaxMembers = ConstU32<100>;
	type DefaultVote = pallet_collective::PrimeDefaultVote;
	type WeightInfo = pallet_collective::weights::SubstrateWeight<Runtime>;
	type SetMembersOrigin = EnsureRoot<AccountId>;
	type MaxProposalWeight = MaxTechnicalProposalWeight;
	type DisapproveOrigin = EnsureRoot<AccountId>;
	type KillOrigin = EnsureRoot<AccountId>;
	/// Members propose without a deposit.
	type Consideration = ();
}

/// The fast track for fixes: the technical committee whitelists a call's hash, a referendum on
/// the `whitelisted_caller` track (low support, short periods) dispatches it as Root.
impl pallet_whitelist::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WhitelistOrigin = EitherOf<
		EnsureRoot<AccountId>,
		pallet_collective::EnsureProportionMoreThan<AccountId, TechnicalCollective, 1, 2>,
	>;
	type DispatchWhitelistedOrigin =
		EitherOf<EnsureRoot<AccountId>, crate::origins::EnsureWhitelistedCaller>;
	type Preimages = Preimage;
	type DeferredDispatchExpiration = DeferredDispatchExpiration;
	type BlockNumberProvider = System;
	type WeightInfo = pallet_whitelist::weights::SubstrateWeight<Runtime>;
}

impl pallet_preimage::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = pallet_preimage::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	type ManagerOrigin = EnsureRoot<AccountId>;
	type Consideration = HoldConsideration<
		AccountId,
		Balances,
		PreimageHoldReason,
		LinearStoragePrice<PreimageBaseDeposit, PreimageByteDeposit, Balance>,
	>;
}

impl pallet_scheduler::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeOrigin = RuntimeOrigin;
	type PalletsOrigin = OriginCaller;
	type RuntimeCall = RuntimeCall;
	type MaximumWeight = MaximumSchedulerWeight;
	type ScheduleOrigin = EnsureRoot<AccountId>;
	type OriginPrivilegeCmp = EqualPrivilegeOnly;
	type MaxScheduledPerBlock = ConstU32<50>;
	type WeightInfo = pallet_scheduler::weights::SubstrateWeight<Runtime>;
	type Preimages = Preimage;
	type BlockNumberProvider = System;
}

impl pallet_conviction_voting::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = pallet_conviction_voting::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	type Polls = Referenda;
	type MaxTurnout =
		frame_support::traits::tokens::currency::ActiveIssuanceOf<Balances, AccountId>;
	type MaxVotes = ConstU32<512>;
	type VoteLockingPeriod = VoteLockingPeriod;
	type BlockNumberProvider = System;
	type VotingHooks = ();
}

impl pallet_referenda::Config for Runtime {
	type RuntimeCall = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = pallet_referenda::weights::SubstrateWeight<Runtime>;
	type Scheduler = Scheduler;
	type Currency = Balances;
	type SubmitOrigin = EnsureSigned<AccountId>;
	type CancelOrigin = EnsureRoot<AccountId>;
	type KillOrigin = EnsureRoot<AccountId>;
	/// Slashed deposits are burned, as fees are.
	type Slash = ();
	type Votes = pallet_conviction_voting::VotesOf<Runtime>;
	type Tally = pallet_conviction_voting::TallyOf<Runtime>;
	type SubmissionDeposit = SubmissionDeposit;
	type MaxQueued = ConstU32<100>;
	type UndecidingTimeout = UndecidingTimeout;
	type AlarmInterval = ConstU32<1>;
	type Tracks = Tracks;
	type Preimages = Preimage;
	type BlockNumberProvider = System;
}

/// Approval from 100 % down to 50 % over the decision period; support from `support` down to 0.
const fn curves(support: Perbill) -> (Curve, Curve) {
	(
		Curve::LinearDecreasing {
			length: Perbill::from_percent(100),
			floor: Perbill::from_percent(50),
			ceil: Perbill::from_percent(100),
		},
		Curve::LinearDecreasing {
			length: Perbill::from_percent(100),
			floor: Perbill::from_percent(0),
			ceil: support,
		},
	)
}

/// The Root track for a production chain: days to decide, a day to confirm and to enact; support
/// from half of the issuance down.
const PRODUCTION_ROOT: TrackInfo<Balance, BlockNumber> = TrackInfo {
	name: sp_runtime::str_array("root"),
	max_deciding: 1,
	decision_deposit: 100 * UNIT,
	prepare_period: 2 * HOURS,
	decision_period: 14 * DAYS,
	confirm_period: DAYS,
	min_enactment_period: DAYS,
	min_approval: curves(Perbill::from_percent(50)).0,
	min_support: curves(Perbill::from_percent(50)).1,
};

/// The parameters track for a production chain (batch limits, the block's compute time): a week
/// to decide, hours to confirm, enacted within minutes; support from a tenth of the issuance
/// down.
const PRODUCTION_PARAMETERS: TrackInfo<Balance, BlockNumber> = TrackInfo {
	name: sp_runtime::str_array("parameters"),
	max_deciding: 10,
	decision_deposit: 10 * UNIT,
	prepare_period: HOURS,
	decision_period: 7 * DAYS,
	confirm_period: 3 * HOURS,
	min_enactment_period: 10 * MINUTES,
	min_approval: curves(Perbill::from_percent(10)).0,
	min_support: curves(Perbill::from_percent(10)).1,
};

/// The whitelisted-caller track for a production chain: a call the technical committee
/// whitelisted, dispatched as Root within half an hour once 1 % of the issuance supports it
/// (support falls from 1 % to 0 over a week).
const PRODUCTION_WHITELISTED_CALLER: TrackInfo<Balance, BlockNumber> = TrackInfo {
	name: sp_runtime::str_array("whitelisted_caller"),
	max_deciding: 10,
	decision_deposit: 10 * UNIT,
	prepare_period: 10 * MINUTES,
	decision_period: 7 * DAYS,
	confirm_period: 10 * MINUTES,
	min_enactment_period: 10 * MINUTES,
	min_approval: curves(Perbill::from_percent(1)).0,
	min_support: curves(Perbill::from_percent(1)).1,
};

/// A track of a development chain: `production`'s name, deposits and curves, decided within a few
/// blocks (a minute on `--dev`), several referenda at once, so tests and demos do not queue.
const fn development(
	production: TrackInfo<Balance, BlockNumber>,
) -> TrackInfo<Balance, BlockNumber> {
	TrackInfo {
		max_deciding: 10,
		prepare_period: 1,
		decision_period: 10,
		confirm_period: 1,
		min_enactment_period: 1,
		..production
	}
}

/// The id of the Root track.
const ROOT_TRACK: u16 = 0;
/// The id of the parameters track, whose referenda dispatch with `Origins::Parameters`.
const PARAMETERS_TRACK: u16 = 1;
/// The id of the whitelisted-caller track, whose referenda dispatch with
/// `Origins::WhitelistedCaller`.
const WHITELISTED_CALLER_TRACK: u16 = 2;

/// The referendum tracks, with the periods the chain's genesis chose
/// ([`crate::governance_periods`]): Root (anything, runtime upgrades included), parameters (what
/// accepts [`crate::origins::EnsureParameters`]: batch limits, the block's compute time) and
/// whitelisted_caller (`Whitelist::dispatch_whitelisted_call*`).
pub struct Tracks;

impl TracksInfo<Balance, BlockNumber> for Tracks {
	type Id = u16;
	type RuntimeOrigin = <RuntimeOrigin as frame_support::traits::OriginTrait>::PalletsOrigin;

	fn tracks() -> impl Iterator<Item = Cow<'static, Track<u16, Balance, BlockNumber>>> {
		use crate::governance_periods::{GovernancePeriods, Periods};
		// Sorted by id, as pallet-referenda requires.
		const PRODUCTION: [Track<u16, Balance, BlockNumber>; 3] = [
			Track { id: ROOT_TRACK, info: PRODUCTION_ROOT },
			Track { id: PARAMETERS_TRACK, info: PRODUCTION_PARAMETERS },
			Track { id: WHITELISTED_CALLER_TRACK, info: PRODUCTION_WHITELISTED_CALLER },
		];
		const DEVELOPMENT: [Track<u16, Balance, BlockNumber>; 3] = [
			Track { id: ROOT_TRACK, info: development(PRODUCTION_ROOT) },
			Track { id: PARAMETERS_TRACK, info: development(PRODUCTION_PARAMETERS) },
			Track {
				id: WHITELISTED_CALLER_TRACK,
				info: development(PRODUCTION_WHITELISTED_CALLER),
			},
		];
		let tracks: &'static [Track<u16, Balance, BlockNumber>] = match Periods::<Runtime>::get() {
			GovernancePeriods::Production => &PRODUCTION,
			GovernancePeriods::Development => &DEVELOPMENT,
		};
		tracks.iter().map(Cow::Borrowed)
	}

	fn track_for(origin: &Self::RuntimeOrigin) -> Result<u16, ()> {
		match origin {
			OriginCaller::system(frame_system::RawOrigin::Root) => Ok(ROOT_TRACK),
			OriginCaller::Origins(crate::origins::Origin::Parameters) => Ok(PARAMETERS_TRACK),
			OriginCaller::Origins(crate::origins::Origin::WhitelistedCaller) =>
				Ok(WHITELISTED_CALLER_TRACK),
			_ => Err(()),
		}
	}
}
