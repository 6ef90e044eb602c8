// Errors from the user's configuration: config file, .keywardenignore, baseline. Each has a
// stable code and a message naming the file, the key and what to fix. The CLI exits 2.
export type ConfigErrorCode = 'INVALID_CONFIG' | 'CONFIG_NOT_FOUND' | 'INVALID_BASELINE' | 'INVALID_OPTION' | 'NO_LAST_SCAN';

export class ConfigError extends Error {
  constructor(readonly code: ConfigErrorCode, message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
