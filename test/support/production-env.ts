import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Everything production mode demands, generated for a test: secrets, pinned keys, an installation id. */
export function productionEnv(databaseUrl: string): Record<string, string> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    SEED_DEMO: 'false',
    MFA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    AUDIT_SIGNING_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    AUDIT_VERIFY_KEYS: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    RESEARCH_MASTER_SECRET: randomBytes(32).toString('hex'),
    RESEARCH_SIGNING_KEY: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    RESEARCH_SALT_DIR: mkdtempSync(join(tmpdir(), 'doorstep-salts-')),
    INTAKE_MATCH_KEY: randomBytes(32).toString('hex'),
    AUDIT_INSTALLATION_ID: `test-${randomBytes(4).toString('hex')}`,
  };
}
