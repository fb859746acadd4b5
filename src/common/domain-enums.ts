/**
 * Every coded value of the programme (domain.md), in one place: DTO validation, CHECK constraints,
 * the state machine and the labels endpoint all read these lists. Wire values are SCREAMING_SNAKE_CASE.
 */
export const CASE_STATES = [
  'RECEIVED',
  'TRIAGE',
  'ON_HOLD',
  'READY_TO_PLAN',
  'VISIT_PLANNED',
  'NO_CONTACT',
  'UNREACHABLE',
  'REFUSED',
  'CONVERSATION_HELD',
  'FOLLOW_UP',
  'CLOSED',
] as const;
export type CaseState = (typeof CASE_STATES)[number];
export const OPEN_STATES = CASE_STATES.filter((s) => s !== 'CLOSED');

export const SOURCE_TYPES = ['BANK', 'POLICE', 'HALT', 'MUNICIPALITY', 'SCHOOL', 'YOUTH_WORK', 'SELF', 'OTHER'] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

export const REASON_CODES = ['ACCOUNT_USED_FOR_FRAUD', 'CARD_PIN_HANDED_OVER', 'RECRUITED_OTHERS', 'APPROACHED_BY_RECRUITER', 'ACCOUNT_BLOCKED', 'SUSPECT_IN_REPORT', 'OTHER'] as const;
export const FRAUD_TYPES = ['WHATSAPP_FRIEND_IN_NEED', 'MARKETPLACE', 'BANK_HELPDESK', 'PHISHING', 'INVESTMENT', 'OTHER', 'UNKNOWN'] as const;
export const AMOUNT_BANDS = ['LT_1K', '1K_5K', '5K_25K', 'GT_25K', 'UNKNOWN'] as const;
export const BANK_REGISTRATION_STATUSES = ['UNKNOWN', 'NONE', 'IVR', 'EVR'] as const;
export const REFERRAL_STATUSES = ['RECEIVED', 'ACCEPTED', 'NOT_ACCEPTED'] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];
export const SUBJECT_MATCHES = ['NEW', 'LINKED', 'POSSIBLE_DUPLICATE'] as const;
export type SubjectMatch = (typeof SUBJECT_MATCHES)[number];

export const SEXES = ['FEMALE', 'MALE', 'X', 'UNKNOWN'] as const;
export const DUPLICATE_STATUSES = ['NONE', 'POSSIBLE', 'CONFIRMED_DISTINCT', 'MERGED'] as const;
export type DuplicateStatus = (typeof DUPLICATE_STATUSES)[number];
export const GUARDIAN_RELATIONS = ['PARENT', 'GUARDIAN', 'OTHER'] as const;

export const PRIORITIES = ['NORMAL', 'HIGH'] as const;
export const HOLD_REASONS = ['INVESTIGATIVE_INTEREST', 'DETENTION', 'ACUTE_CRISIS', 'OTHER'] as const;

export const CLOSURE_GROUPS = {
  NOT_ELIGIBLE: ['NOT_ELIGIBLE_OUT_OF_REGION', 'NOT_ELIGIBLE_AGE', 'NOT_ELIGIBLE_NO_LEGAL_BASIS', 'NOT_ELIGIBLE_OTHER_TRACK', 'NOT_ELIGIBLE_INVESTIGATIVE_INTEREST'],
  WITHDRAWN: ['WITHDRAWN', 'MERGED_DUPLICATE'],
  NOT_REACHED: ['UNREACHABLE', 'REFUSED'],
  REACHED: ['CONVERSATION_NO_FURTHER_NEED', 'CARE_STARTED', 'CARE_DECLINED', 'NO_FOLLOW_UP_CONSENT', 'FOLLOW_UP_COMPLETED', 'FOLLOW_UP_NOT_REACHED'],
  ENDED_OTHER: ['TRANSFERRED', 'HOLD_EXPIRED', 'ESCALATED_TO_JUSTICE', 'SUBJECT_DECEASED'],
} as const;
export type ClosureGroup = keyof typeof CLOSURE_GROUPS;
export const CLOSURE_REASONS = Object.values(CLOSURE_GROUPS).flat() as string[];
export function closureGroupOf(reason: string): ClosureGroup | null {
  for (const [group, reasons] of Object.entries(CLOSURE_GROUPS)) if ((reasons as readonly string[]).includes(reason)) return group as ClosureGroup;
  return null;
}

/** Reason codes of moves that are not closures. */
export const TRANSITION_REASONS = ['SUBJECT_REQUESTED', 'ATTEMPTS_STOPPED', 'HOLD_LIFTED', 'TRIAGE_STARTED', 'ELIGIBLE', 'OTHER'] as const;

export const VISIT_STATUSES = ['PLANNED', 'DONE', 'CANCELLED'] as const;
export const VISIT_CANCEL_REASONS = ['SUBJECT_UNAVAILABLE', 'VISITOR_UNAVAILABLE', 'CASE_ON_HOLD', 'SAFETY', 'RESCHEDULED', 'OTHER'] as const;
export const OVERRIDE_REASONS = ['SECOND_VISITOR_UNAVAILABLE', 'SUBJECT_REQUEST', 'SAFETY_ASSESSMENT', 'OTHER'] as const;
export const ATTEMPT_RESULTS = ['NOT_HOME', 'NO_ANSWER', 'SPOKE_TO_HOUSEHOLD_MEMBER_ONLY', 'WRONG_ADDRESS', 'MOVED', 'REFUSED_AT_DOOR', 'CONVERSATION_HELD', 'ABORTED_SAFETY'] as const;
export type AttemptResult = (typeof ATTEMPT_RESULTS)[number];
/** Attempts that do not use up one of the allowed tries (G8). */
export const UNCOUNTED_ATTEMPT_RESULTS: AttemptResult[] = ['WRONG_ADDRESS', 'MOVED', 'ABORTED_SAFETY'];
export const SPOKE_WITH = ['SUBJECT', 'PARENT', 'OTHER_ADULT', 'NONE'] as const;
export const WEEKDAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const;

export const CONVERSATION_LOCATIONS = ['DOORSTEP', 'INSIDE', 'OTHER_AGREED_PLACE'] as const;
export const PARENT_ABSENT_REASONS = ['SUBJECT_16_PLUS_DECLINED', 'PARENT_NOT_AVAILABLE_SUBJECT_AGREED', 'PARENT_INVOLVEMENT_UNSAFE', 'OTHER'] as const;
export const TOPICS = [
  'LEGAL_CONSEQUENCES',
  'BANK_CONSEQUENCES_IVR_EVR',
  'LIABILITY_DAMAGES',
  'VOG_FUTURE',
  'RECRUITER_TACTICS',
  'HOW_TO_SAY_NO',
  'WHAT_TO_DO_IF_APPROACHED',
  'DEBTS_MONEY_STRESS',
  'SAFETY_THREATS',
] as const;
export const RECRUITMENT_CHANNELS = ['SNAPCHAT', 'INSTAGRAM', 'TELEGRAM', 'WHATSAPP', 'SCHOOL_PEERS', 'FRIENDS', 'NEIGHBOURHOOD', 'JOB_AD', 'UNKNOWN'] as const;
export const ACKNOWLEDGEMENTS = ['YES', 'PARTLY', 'NO', 'NOT_DISCUSSED'] as const;
export const INTENTS = ['YES', 'UNSURE', 'NO'] as const;
export const CONSENT_GIVERS = ['SUBJECT', 'PARENT', 'BOTH'] as const;

export const CARE_TYPES = [
  'DEBT_SERVICE',
  'BASIC_BANK_ACCOUNT',
  'BANK_DIALOGUE',
  'YOUTH_CARE_WIJKTEAM',
  'YOUTH_WORK_MENTORING',
  'HALT_EDUCATION',
  'VICTIM_SUPPORT',
  'EDUCATION_WORK_INCOME',
  'MENTAL_HEALTH',
  'OTHER',
] as const;
export const CARE_STATUSES = ['PROPOSED', 'ACCEPTED_BY_SUBJECT', 'DECLINED', 'SENT', 'STARTED', 'COMPLETED', 'DROPPED'] as const;
export type CareStatus = (typeof CARE_STATUSES)[number];
export const CARE_SHARED_FIELDS = ['NAME', 'DATE_OF_BIRTH', 'ADDRESS', 'PHONE', 'REFERRAL_REASON', 'CONVERSATION_SUMMARY'] as const;

export const FOLLOW_UP_CHANNELS = ['HOME_VISIT', 'PHONE', 'MESSAGE', 'AT_YOUTH_CENTRE'] as const;
export const FOLLOW_UP_RESULTS = ['REACHED', 'NOT_REACHED', 'CANCELLED'] as const;
export const YES_NO_UNKNOWN = ['YES', 'NO', 'UNKNOWN'] as const;

export const BREAK_GLASS_REVIEW_OUTCOMES = ['JUSTIFIED', 'NOT_JUSTIFIED'] as const;
