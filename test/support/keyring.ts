import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SecretStorage } from '../../electron/model/settingsStore.js';

/**
 * An in-memory keyring with real encryption (AES-256-GCM under a key held in memory), standing in
 * for Electron's safeStorage, which needs the Electron runtime: what lands on disk is genuinely
 * unreadable without it.
 */
export function keyring(backend = 'gnome_libsecret', available = true): SecretStorage & { key: Buffer } {
  const key = randomBytes(32);
  return {
    key,
    isEncryptionAvailable: () => available,
    backend: () => backend,
    encrypt(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    decrypt(data) {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      decipher.setAuthTag(data.subarray(12, 28));
      return Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}
