import { Inject, Injectable } from '@nestjs/common';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { keyIdOf } from '../../audit/audit-keys.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { ResearchError } from '../research.errors.js';
import { deriveProjectKey, pseudonymiser } from './pseudonyms.js';

const KEY_ID = /^[0-9a-f]{32}$/;

/**
 * The development key provider (research-data.md §5.2): project and export salts as files in a directory
 * outside the database, next to the master secret from the configuration. The database only ever holds a salt's
 * `keyId`; deleting the file makes every pseudonym derived from it unrecoverable (crypto-shredding). A production
 * deployment points `RESEARCH_SALT_DIR` at a mounted vault volume.
 */
@Injectable()
export class ResearchKeyStore {
  private readonly signing: KeyObject;
  readonly signingKeyId: string;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.signing = createPrivateKey(config.research.signingKey);
    this.signingKeyId = keyIdOf(createPublicKey(this.signing));
  }

  /** A fresh 256-bit salt from the CSPRNG, written durably before its id is returned. */
  createSalt(): string {
    const dir = this.config.research.saltDir;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const keyId = randomBytes(16).toString('hex');
    const tmp = join(dir, `.${keyId}.tmp`);
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, randomBytes(32));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path(keyId));
    return keyId;
  }

  hasSalt(keyId: string): boolean {
    return existsSync(this.path(keyId));
  }

  /** Deletes a salt for good; idempotent. */
  destroySalt(keyId: string): void {
    rmSync(this.path(keyId), { force: true });
  }

  /** person key → pid under the key derived from this salt; 410 when the salt has been shredded. */
  pseudonymiser(keyId: string, scopeId: string): (personKey: string) => string {
    const path = this.path(keyId);
    if (!existsSync(path)) throw new ResearchError('PROJECT_KEY_SHREDDED', 'The pseudonymisation key of this project no longer exists');
    const salt = readFileSync(path);
    return pseudonymiser(deriveProjectKey(this.config.research.masterSecret, salt, scopeId));
  }

  signingKey(): { privateKey: KeyObject; keyId: string } {
    return { privateKey: this.signing, keyId: this.signingKeyId };
  }

  publicKeys(): Array<{ keyId: string; alg: 'Ed25519'; publicKeyPem: string }> {
    return [{ keyId: this.signingKeyId, alg: 'Ed25519', publicKeyPem: createPublicKey(this.signing).export({ type: 'spki', format: 'pem' }).toString() }];
  }

  publicKey(): KeyObject {
    return createPublicKey(this.signing);
  }

  private path(keyId: string): string {
    if (!KEY_ID.test(keyId)) throw new Error('malformed key id');
    return join(this.config.research.saltDir, `${keyId}.salt`);
  }
}
