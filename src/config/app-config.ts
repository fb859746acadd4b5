import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Roles exactly as the programme defines them (domain.md §4). */
export const ROLES = [
  'admin',
  'privacy_officer',
  'coordinator',
  'police_officer',
  'youth_worker',
  'referrer',
  'researcher',
] as const;
export type Role = (typeof ROLES)[number];

export interface TimeSlot {
  code: string;
  startHour: number;
  endHour: number;
}

export interface AppConfig {
  nodeEnv: 'development' | 'test' | 'production';
  production: boolean;
  host: string;
  port: number;
  databaseUrl: string | undefined;
  dbPoolSize: number;
  dbStatementTimeoutMs: number;
  dbAcquireTimeoutMs: number;
  pgliteDataDir: string;
  /** A migrated PGlite data-dir dump that in-memory test databases start from. */
  pgliteTemplate: string | undefined;
  seedDemo: boolean;
  demoPassword: string;
  demoPasswordIsDefault: boolean;
  bodyLimit: number;
  logLevel: string;
  logFile: string | undefined;
  corsOrigins: string[];
  trustProxy: string[];
  docsEnabled: boolean;
  appVersion: string;
  secretsDir: string;
  session: { idleMinutes: number; absoluteHours: number; lastSeenRefreshSeconds: number };
  mfa: { requiredRoles: Role[]; enforce: boolean; encryptionKey: Buffer; stepUpMinutes: number };
  argon2: { memoryKiB: number; timeCost: number; parallelism: number };
  loginThrottle: {
    freeFailures: number;
    baseDelaySeconds: number;
    maxDelaySeconds: number;
    lockAfter: number;
    ipMaxFailures: number;
    ipWindowMinutes: number;
  };
  audit: {
    installationId: string;
    signingKey: string;
    verifyKeys: string[];
    checkpointSinkDir: string;
    sealIntervalMs: number;
    checkpointEvery: number;
    checkpointMaxSeconds: number;
    verifyIntervalMinutes: number;
    sealerEnabled: boolean;
  };
  idempotencyTtlHours: number;
  /** HMAC key for subject match keys (never in the database) */
  intakeMatchKey: Buffer;
  workflow: {
    maxAttempts: number;
    timeSlots: TimeSlot[];
    policeClearanceSources: string[];
    maxHoldDays: number;
    firstAttemptTargetDays: number;
    eligibleAgeMin: number;
    eligibleAgeMax: number;
    duplicateSimilarity: number;
    followUpIntervalDays: number;
    followUpSecondIntervalDays: number;
    followUpMaxContacts: number;
    coordinatorReadsYouthworkOnly: boolean;
    visitorAfterCloseDays: number;
    breakGlassMinutes: number;
    breakGlassMinReasonLength: number;
    breakGlassMaxPerDay: number;
    legalBasisCodes: string[];
    programmeTimeZone: string;
  };
  /** Recorded in research releases and manifests */
  software: { version: string; gitCommit: string };
  research: {
    masterSecret: Buffer;
    /** Key store of project and export salts: outside the database, so deleting a salt shreds its pseudonyms */
    saltDir: string;
    /** Ed25519 private key (PEM) that signs export manifests */
    signingKey: string;
    tau: number;
    groupRuleG: number;
    minMeanCellSize: number;
    k: number;
    l: number;
    maxSuppression: number;
    downloadDays: number;
    projectDefaultMonths: number;
    projectMaxMonths: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly variable: string, problem: string) {
    super(`Configuration error: ${variable} ${problem}`);
  }
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string, fallback?: string): string {
  const v = env[name];
  if (v === undefined || v === '') {
    if (fallback === undefined) throw new ConfigError(name, 'is required');
    return fallback;
  }
  return v;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `must be an integer, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function num(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new ConfigError(name, `must be a number between ${min} and ${max}`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes'].includes(raw.toLowerCase())) return true;
  if (['false', '0', 'no'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function list(env: Env, name: string, fallback: string[]): string[] {
  const raw = env[name];
  if (raw === undefined) return fallback;
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * A secret comes from `<NAME>` (inline) or `<NAME>_FILE` (a path). Outside production a missing secret
 * is generated once into the secrets directory so that restarts of the demo keep working; in production
 * a missing secret stops the process.
 */
function secret(env: Env, name: string, production: boolean, secretsDir: string, generate: () => string): string {
  const inline = env[name];
  if (inline) return inline;
  const file = env[`${name}_FILE`];
  if (file) {
    if (!existsSync(file)) throw new ConfigError(`${name}_FILE`, `points to a missing file`);
    return readFileSync(file, 'utf8').trim();
  }
  if (production) throw new ConfigError(name, 'is required in production (or set ' + name + '_FILE)');
  const path = join(secretsDir, name.toLowerCase());
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const value = generate();
  writeFileSync(path, value, { mode: 0o600 });
  return value;
}

/** Package version, and the commit from `GIT_COMMIT` or the checkout's `.git` ("unknown" outside one). */
function softwareInfo(env: Env): { version: string; gitCommit: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  let version = 'unknown';
  let gitCommit = env.GIT_COMMIT && /^[0-9a-f]{7,40}$/.test(env.GIT_COMMIT) ? env.GIT_COMMIT : 'unknown';
  for (let i = 0; i < 5; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      version = (JSON.parse(readFileSync(pkg, 'utf8')) as { version?: string }).version ?? 'unknown';
      const head = join(dir, '.git', 'HEAD');
      if (gitCommit === 'unknown' && existsSync(head)) {
        const ref = readFileSync(head, 'utf8').trim();
        const refPath = ref.startsWith('ref: ') ? join(dir, '.git', ref.slice(5)) : null;
        const commit = refPath ? (existsSync(refPath) ? readFileSync(refPath, 'utf8').trim() : '') : ref;
        if (/^[0-9a-f]{40}$/.test(commit)) gitCommit = commit;
      }
      break;
    }
    dir = dirname(dir);
  }
  return { version, gitCommit };
}

function key32(name: string, value: string): Buffer {
  const buf = Buffer.from(value, /^[0-9a-fA-F]{64}$/.test(value) ? 'hex' : 'base64');
  if (buf.length !== 32) throw new ConfigError(name, 'must be 32 bytes (64 hex characters or base64)');
  return buf;
}

function parseSlots(env: Env): TimeSlot[] {
  const raw = env.VISIT_TIME_SLOTS ?? 'MORNING:9-12,AFTERNOON:12-17,EVENING:17-21';
  const slots = raw.split(',').map((part) => {
    const m = /^([A-Z_]+):(\d{1,2})-(\d{1,2})$/.exec(part.trim());
    if (!m) throw new ConfigError('VISIT_TIME_SLOTS', `has an invalid slot "${part}" (expected NAME:start-end)`);
    const startHour = Number(m[2]);
    const endHour = Number(m[3]);
    if (startHour >= endHour || endHour > 24) throw new ConfigError('VISIT_TIME_SLOTS', `slot ${m[1]} has an invalid range`);
    return { code: m[1], startHour, endHour };
  });
  return slots;
}

export const DEFAULT_DEMO_PASSWORD = 'doorstep-demo';

export function loadConfig(env: Env): AppConfig {
  const nodeEnvRaw = str(env, 'NODE_ENV', 'development');
  if (!['development', 'test', 'production'].includes(nodeEnvRaw)) {
    throw new ConfigError('NODE_ENV', 'must be development, test or production');
  }
  const nodeEnv = nodeEnvRaw as AppConfig['nodeEnv'];
  const production = nodeEnv === 'production';
  const databaseUrl = env.DATABASE_URL || undefined;
  if (production && !databaseUrl) throw new ConfigError('DATABASE_URL', 'is required in production (the embedded database is for development only)');
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) throw new ConfigError('DATABASE_URL', 'must be a postgres:// URL');
  const pgliteDataDir = str(env, 'PGLITE_DATA_DIR', './.data/pg');
  const secretsDir = resolve(str(env, 'SECRETS_DIR', pgliteDataDir.startsWith('memory://') ? './.data/secrets' : join(dirname(resolve(pgliteDataDir)), 'secrets')));
  const seedDemo = bool(env, 'SEED_DEMO', !databaseUrl);
  if (production && seedDemo) throw new ConfigError('SEED_DEMO', 'must be false in production');
  const demoPassword = str(env, 'DEMO_PASSWORD', DEFAULT_DEMO_PASSWORD);

  const requiredRoles = list(env, 'MFA_REQUIRED_ROLES', ['admin', 'privacy_officer', 'researcher']);
  for (const r of requiredRoles) if (!(ROLES as readonly string[]).includes(r)) throw new ConfigError('MFA_REQUIRED_ROLES', `contains unknown role "${r}"`);
  const mfaKey = key32('MFA_ENCRYPTION_KEY', secret(env, 'MFA_ENCRYPTION_KEY', production, secretsDir, () => randomBytes(32).toString('hex')));

  const signingKey = secret(env, 'AUDIT_SIGNING_KEY', production, secretsDir, () => generateEd25519Pem());
  if (!signingKey.includes('PRIVATE KEY')) throw new ConfigError('AUDIT_SIGNING_KEY', 'must be a PEM-encoded Ed25519 private key');
  const verifyKeys = env.AUDIT_VERIFY_KEYS_FILE
    ? splitPems(readFileSync(env.AUDIT_VERIFY_KEYS_FILE, 'utf8'))
    : env.AUDIT_VERIFY_KEYS
      ? splitPems(env.AUDIT_VERIFY_KEYS)
      : [];
  if (production && verifyKeys.length === 0) throw new ConfigError('AUDIT_VERIFY_KEYS', 'is required in production (pinned public keys)');

  const researchMaster = key32('RESEARCH_MASTER_SECRET', secret(env, 'RESEARCH_MASTER_SECRET', production, secretsDir, () => randomBytes(32).toString('hex')));
  const researchSigningKey = secret(env, 'RESEARCH_SIGNING_KEY', production, secretsDir, () => generateEd25519Pem());
  if (!researchSigningKey.includes('PRIVATE KEY')) throw new ConfigError('RESEARCH_SIGNING_KEY', 'must be a PEM-encoded Ed25519 private key');
  const intakeMatchKey = key32('INTAKE_MATCH_KEY', secret(env, 'INTAKE_MATCH_KEY', production, secretsDir, () => randomBytes(32).toString('hex')));
  const installationId = str(env, 'AUDIT_INSTALLATION_ID', production ? undefined : 'doorstep-dev');

  const demoPasswordIsDefault = demoPassword === DEFAULT_DEMO_PASSWORD;
  const cfg: AppConfig = {
    nodeEnv,
    production,
    host: str(env, 'HOST', '127.0.0.1'),
    port: int(env, 'PORT', 3000, 0, 65535),
    databaseUrl,
    dbPoolSize: databaseUrl ? int(env, 'DB_POOL_SIZE', 10, 1, 200) : 1,
    dbStatementTimeoutMs: int(env, 'DB_STATEMENT_TIMEOUT_MS', 5000, 100, 3_600_000),
    dbAcquireTimeoutMs: int(env, 'DB_ACQUIRE_TIMEOUT_MS', 2000, 100, 60_000),
    pgliteDataDir,
    pgliteTemplate: env.PGLITE_TEMPLATE || undefined,
    seedDemo,
    demoPassword,
    demoPasswordIsDefault,
    bodyLimit: int(env, 'BODY_LIMIT_BYTES', 1_048_576, 1024, 50 * 1_048_576),
    logLevel: str(env, 'LOG_LEVEL', 'info'),
    logFile: env.LOG_FILE || undefined,
    corsOrigins: list(env, 'CORS_ORIGINS', []),
    trustProxy: list(env, 'TRUST_PROXY', []),
    docsEnabled: bool(env, 'DOCS_ENABLED', true),
    appVersion: str(env, 'APP_VERSION', '0.1.0'),
    secretsDir,
    session: {
      idleMinutes: int(env, 'SESSION_IDLE_MINUTES', 30, 1, 24 * 60),
      absoluteHours: int(env, 'SESSION_ABSOLUTE_HOURS', 12, 1, 72),
      lastSeenRefreshSeconds: int(env, 'SESSION_TOUCH_SECONDS', 60, 0, 600),
    },
    mfa: {
      requiredRoles: requiredRoles as Role[],
      // Demo mode lets every demo user log in with only the demo password.
      enforce: bool(env, 'MFA_ENFORCE', !seedDemo),
      encryptionKey: mfaKey,
      stepUpMinutes: int(env, 'STEP_UP_MINUTES', 10, 1, 60),
    },
    argon2: {
      memoryKiB: int(env, 'ARGON2_MEMORY_KIB', 19_456, 19_456, 1_048_576),
      timeCost: int(env, 'ARGON2_TIME_COST', 2, 2, 20),
      parallelism: int(env, 'ARGON2_PARALLELISM', 1, 1, 16),
    },
    loginThrottle: {
      freeFailures: int(env, 'LOGIN_FREE_FAILURES', 5, 1, 100),
      baseDelaySeconds: int(env, 'LOGIN_BASE_DELAY_SECONDS', 60, 1, 3600),
      maxDelaySeconds: int(env, 'LOGIN_MAX_DELAY_SECONDS', 900, 1, 86_400),
      lockAfter: int(env, 'LOGIN_LOCK_AFTER', 100, 2, 10_000),
      ipMaxFailures: int(env, 'LOGIN_IP_MAX_FAILURES', 30, 1, 100_000),
      ipWindowMinutes: int(env, 'LOGIN_IP_WINDOW_MINUTES', 10, 1, 1440),
    },
    audit: {
      installationId,
      signingKey,
      verifyKeys,
      checkpointSinkDir: resolve(str(env, 'AUDIT_CHECKPOINT_SINK', join(secretsDir, '..', 'audit-checkpoints'))),
      sealIntervalMs: int(env, 'AUDIT_SEAL_INTERVAL_MS', 1000, 50, 60_000),
      checkpointEvery: int(env, 'AUDIT_CHECKPOINT_EVERY', 1000, 1, 1000),
      checkpointMaxSeconds: int(env, 'AUDIT_CHECKPOINT_MAX_SECONDS', 60, 1, 60),
      verifyIntervalMinutes: int(env, 'AUDIT_VERIFY_INTERVAL_MINUTES', 15, 0, 1440),
      sealerEnabled: bool(env, 'AUDIT_SEALER_ENABLED', true),
    },
    idempotencyTtlHours: int(env, 'IDEMPOTENCY_TTL_HOURS', 168, 1, 24 * 30),
    intakeMatchKey,
    workflow: {
      maxAttempts: int(env, 'VISITS_MAX_ATTEMPTS', 3, 1, 5),
      timeSlots: parseSlots(env),
      policeClearanceSources: list(env, 'TRIAGE_POLICE_CLEARANCE_SOURCES', ['POLICE', 'BANK']),
      maxHoldDays: int(env, 'TRIAGE_MAX_HOLD_DAYS', 90, 1, 365),
      firstAttemptTargetDays: int(env, 'TRIAGE_FIRST_ATTEMPT_TARGET_DAYS', 14, 1, 365),
      eligibleAgeMin: int(env, 'TRIAGE_ELIGIBLE_AGE_MIN', 12, 0, 100),
      eligibleAgeMax: int(env, 'TRIAGE_ELIGIBLE_AGE_MAX', 25, 0, 100),
      duplicateSimilarity: num(env, 'INTAKE_DUPLICATE_SIMILARITY', 0.6, 0.1, 1),
      followUpIntervalDays: int(env, 'FOLLOW_UP_INTERVAL_DAYS', 42, 1, 365),
      followUpSecondIntervalDays: int(env, 'FOLLOW_UP_SECOND_INTERVAL_DAYS', 91, 1, 730),
      followUpMaxContacts: int(env, 'FOLLOW_UP_MAX_CONTACTS', 2, 1, 10),
      coordinatorReadsYouthworkOnly: bool(env, 'ACCESS_COORDINATOR_READS_YOUTHWORK_ONLY', false),
      visitorAfterCloseDays: int(env, 'ACCESS_VISITOR_AFTER_CLOSE_DAYS', 30, 0, 365),
      breakGlassMinutes: int(env, 'BREAK_GLASS_MINUTES', 60, 1, 240),
      breakGlassMinReasonLength: int(env, 'BREAK_GLASS_MIN_REASON_LENGTH', 20, 1, 500),
      breakGlassMaxPerDay: int(env, 'BREAK_GLASS_MAX_PER_DAY', 3, 1, 100),
      legalBasisCodes: list(env, 'LEGAL_BASIS_CODES', ['COVENANT_ART_5', 'WPG_ART_19', 'WPG_ART_20', 'CONSENT_REFERRER']),
      programmeTimeZone: str(env, 'PROGRAMME_TIME_ZONE', 'Europe/Amsterdam'),
    },
    software: softwareInfo(env),
    research: {
      masterSecret: researchMaster,
      saltDir: resolve(str(env, 'RESEARCH_SALT_DIR', production ? undefined : join(secretsDir, 'research-salts'))),
      signingKey: researchSigningKey,
      tau: int(env, 'RESEARCH_TAU', 10, 2, 1000),
      groupRuleG: int(env, 'RESEARCH_GROUP_RULE_G', 3, 1, 100),
      minMeanCellSize: int(env, 'RESEARCH_MIN_MEAN_CELL', 20, 1, 10_000),
      k: int(env, 'RESEARCH_K', 5, 2, 1000),
      l: int(env, 'RESEARCH_L', 2, 1, 100),
      maxSuppression: num(env, 'RESEARCH_MAX_SUPPRESSION', 0.05, 0, 0.5),
      downloadDays: int(env, 'RESEARCH_DOWNLOAD_DAYS', 7, 1, 7),
      projectDefaultMonths: int(env, 'RESEARCH_PROJECT_DEFAULT_MONTHS', 12, 1, 36),
      projectMaxMonths: int(env, 'RESEARCH_PROJECT_MAX_MONTHS', 36, 1, 36),
    },
  };
  if (production) {
    if (demoPasswordIsDefault && env.DEMO_PASSWORD) throw new ConfigError('DEMO_PASSWORD', 'must not be the default in production');
    if (cfg.audit.installationId === 'doorstep-dev') throw new ConfigError('AUDIT_INSTALLATION_ID', 'must not be the development default in production');
  }
  return cfg;
}

function splitPems(text: string): string[] {
  return text.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? [];
}

function generateEd25519Pem(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** The one place that reads the process environment. */
export function loadConfigFromProcess(overrides: Env = {}): AppConfig {
  return loadConfig({ ...process.env, ...overrides });
}

export const APP_CONFIG = Symbol('APP_CONFIG');
