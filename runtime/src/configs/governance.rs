//! On-chain governance as Polkadot chains run it (OpenGov): referenda on tracks
//! (pallet-referenda), conviction voting, preimages and the scheduler that enacts what passed.
//!
//! \[P10\], first part: wired and tested natively (`runtime/tests/governance.rs`: a referendum
//! authorizes an upgrade, one voted down changes nothing); not yet on a node, and sudo is still
//! root in every preset.
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
	traits::{fungible::HoldConsideration, ConstU32, EqualPrivilegeOnly, LinearStoragePrice},
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

/// Approval from 100 % down to 50 % over the decision period; support from 50 % down to 0.
const fn root_curves() -> (Curve, Curve) {
	(
		Curve::LinearDecreasing {
			length: Perbill::from_percent(100),
			floor: Perbill::from_percent(50),
			ceil: Perbill::from_percent(100),
		},
		Curve::LinearDecreasing {
			length: Perbill::from_percent(100),
			floor: Perbill::from_percent(0),
			ceil: Perbill::from_percent(50),
		},
	)
}

/// The Root track for a production chain: days to decide, a day to confirm and to enact.
const PRODUCTION_ROOT: TrackInfo<Balance, BlockNumber> = TrackInfo {
	name: sp_runtime::str_array("root"),
	max_deciding: 1,
	decision_deposit: 100 * UNIT,
	prepare_period: 2 * HOURS,
	decision_period: 14 * DAYS,
	confirm_period: DAYS,
	min_enactment_period: DAYS,
	min_approval: root_curves().0,
	min_support: root_curves().1,
};

/// The Root track of a development chain: decided within a few blocks (a minute on `--dev`).
const DEVELOPMENT_ROOT: TrackInfo<Balance, BlockNumber> = TrackInfo {
	name: sp_runtime::str_array("root"),
	max_deciding: 1,
	decision_deposit: 100 * UNIT,
	prepare_period: 1,
	decision_period: 10,
	confirm_period: 1,
	min_enactment_period: 1,
	min_approval: root_curves().0,
	min_support: root_curves().1,
};

/// The referendum tracks: one, Root, with the periods the chain's genesis chose
/// ([`crate::governance_periods`]).
pub struct Tracks;

impl TracksInfo<Balance, BlockNumber> for Tracks {
	type Id = u16;
	type RuntimeOrigin = <RuntimeOrigin as frame_support::traits::OriginTrait>::PalletsOrigin;

	fn tracks() -> impl Iterator<Item = Cow<'static, Track<u16, Balance, BlockNumber>>> {
		let root = match crate::governance_periods::Periods::<Runtime>::get() {
			crate::governance_periods::GovernancePeriods::Production => PRODUCTION_ROOT,
			crate::governance_periods::GovernancePeriods::Development => DEVELOPMENT_ROOT,
		};
		[Track { id: 0, info: root }].into_iter().map(Cow::Owned)
	}

	fn track_for(origin: &Self::RuntimeOrigin) -> Result<u16, ()> {
		match frame_system::RawOrigin::try_from(origin.clone()) {
			Ok(frame_system::RawOrigin::Root) => Ok(0),
			_ => Err(()),
		}
	}
}
