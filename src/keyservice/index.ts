// The key service's public surface, for the CLI and for other modules' end-to-end tests.
export { startKeyService, buildKeyService, graceSecondsFromEnv, DEFAULT_GRACE_SECONDS, type KeyServiceOptions, type RunningKeyService, type StartKeyServiceOptions } from './server.js';
export { openKeyStore, openMemoryKeyStore, DEFAULT_DATA_DIR, type KeyStore, type OpenKeyStoreOptions } from './keyStore.js';
export { bootstrap, createOrganizationWithKey, grantKey, type IssuedCredentials } from './bootstrap.js';
export { KeyServiceError, type ErrorCode } from './errors.js';
export * from '../keyformat/keyFormat.js';
