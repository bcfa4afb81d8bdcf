import { safeStorage } from 'electron';
import type { SecretStorage } from './model/settingsStore.js';

/** Electron's safeStorage behind the store's interface (usable after app ready). */
export function electronSecretStorage(platform: NodeJS.Platform = process.platform): SecretStorage {
  return {
    isEncryptionAvailable: () => safeStorage.isEncryptionAvailable(),
    backend: () => (platform === 'linux' ? safeStorage.getSelectedStorageBackend() : platform === 'darwin' ? 'keychain' : 'dpapi'),
    encrypt: (plain) => safeStorage.encryptString(plain),
    decrypt: (encrypted) => safeStorage.decryptString(encrypted),
  };
}
