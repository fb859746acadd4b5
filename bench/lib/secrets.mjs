// Bench-only secrets and credentials, all derived from the seed so that a cached dataset and a new run agree.
// Nothing here is ever a production secret: the values are reproducible by design.
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const h = (label, seed) => createHash('sha256').update(`${label}:${seed}`).digest();

/** An Ed25519 private key from a 32-byte seed (the PKCS#8 DER prefix of RFC 8410 and the seed). */
const ed25519 = (seed32) => createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed32]), format: 'der', type: 'pkcs8' });

export function benchSecrets(seed) {
  const signing = ed25519(h('doorstep-bench-audit-signing', seed));
  return {
    intakeMatchKey: h('doorstep-bench-intake', seed),
    mfaKey: h('doorstep-bench-mfa', seed),
    researchMaster: h('doorstep-bench-research', seed),
    auditSigningPem: signing.export({ type: 'pkcs8', format: 'pem' }).toString(),
    auditVerifyPem: createPublicKey(signing).export({ type: 'spki', format: 'pem' }).toString(),
    researchSigningPem: ed25519(h('doorstep-bench-research-signing', seed)).export({ type: 'pkcs8', format: 'pem' }).toString(),
    installationId: `doorstep-bench-${seed}`,
  };
}

/** The session token of bench user k (bench/data/generate.sql: bench.session_token). */
export const sessionToken = (seed, k) => `dss_${createHash('sha256').update(`bench-session:${seed}:${k}`).digest('base64url')}`;

/** The API key of bench key k (bench.api_key_id, bench.api_key_secret). */
export function apiKeyToken(seed, k) {
  const keyId = createHash('md5').update(`bench-key:${seed}:${k}`).digest('hex').slice(0, 16);
  const secret = createHash('sha256').update(`bench-key-secret:${seed}:${k}`).digest('base64url');
  return `dsk_${keyId}_${secret}`;
}

/** Writes the secrets as files and returns the environment of the app in production mode (L3) and L2. */
export function appEnvironment({ seed, dir, databaseUrl, port, logFile }) {
  const s = benchSecrets(seed);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = (name, value) => {
    const p = join(dir, name);
    writeFileSync(p, value, { mode: 0o600 });
    return p;
  };
  // Production config requires the salt directory to be named; the app writes its salts into it.
  const saltDir = join(dir, 'research-salts');
  mkdirSync(saltDir, { recursive: true, mode: 0o700 });
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    DB_POOL_SIZE: '10',
    LOG_LEVEL: 'info',
    LOG_FILE: logFile,
    SEED_DEMO: 'false',
    DOCS_ENABLED: 'true',
    SECRETS_DIR: dir,
    MFA_ENCRYPTION_KEY_FILE: file('mfa_encryption_key', s.mfaKey.toString('hex')),
    AUDIT_SIGNING_KEY_FILE: file('audit_signing_key', s.auditSigningPem),
    AUDIT_VERIFY_KEYS_FILE: file('audit_verify_keys', s.auditVerifyPem),
    RESEARCH_MASTER_SECRET_FILE: file('research_master_secret', s.researchMaster.toString('hex')),
    RESEARCH_SIGNING_KEY_FILE: file('research_signing_key', s.researchSigningPem),
    INTAKE_MATCH_KEY_FILE: file('intake_match_key', s.intakeMatchKey.toString('hex')),
    AUDIT_INSTALLATION_ID: s.installationId,
    AUDIT_CHECKPOINT_SINK: join(dir, 'checkpoints'),
    RESEARCH_SALT_DIR: saltDir,
  };
}
