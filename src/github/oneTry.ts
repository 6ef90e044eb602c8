// GitHub may store a write and still answer 5xx, so the client's retry hook
// (client.ts) must not repeat such a write blindly. Reports that must be idempotent send
// their calls with ONE_TRY and retry the whole look-then-write step themselves
// (withGitHubRetry), so every try starts from what GitHub holds.

/** One try per request: the caller retries the whole reconciliation, not single calls. */
export const ONE_TRY = { retries: 0 } as const;
