// The last way to tell someone about a rolled key: an email to the organization's contact
// (`notify.email` in .github/keywarden.yml), through the SMTP server named by SMTP_URL. Used
// when GitHub cannot carry the notice: the issue, the commit comment and the fallback
// repository were all refused, or the App is no longer installed. Like every notice, it never
// holds the secret: the redacted preview, the key's id and last 4 characters, the fingerprint,
// where it leaked and the deadline in UTC.
import { createTransport } from 'nodemailer';
import { commitUrlOf, type RotateJobData } from './rotateJobData.js';
import type { RotationResult } from './rotator.js';
import { formatRelative, formatUtc, hasGraceDeadline, issueTitle, keyDescription, whatToDo } from './issueBody.js';

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
}

/** Sends one message; throws EmailRefused when the server refuses it for good (5xx). */
export interface EmailSender {
  send(message: EmailMessage): Promise<void>;
}

/** The SMTP server refused the message for good (a 5xx answer: unknown recipient, policy). */
export class EmailRefused extends Error {
  readonly code = 'NOTIFY_EMAIL_REFUSED';
  constructor(message: string) {
    super(message);
    this.name = 'EmailRefused';
  }
}

export class SmtpUrlInvalid extends Error {
  readonly code = 'SMTP_URL_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'SmtpUrlInvalid';
  }
}

/** A sender for SMTP_URL (`smtp://[user:pass@]host:port`, or `smtps://` for TLS from the start). */
export function smtpSender(url: string, from: string): EmailSender {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SmtpUrlInvalid('SMTP_URL is not a URL (expected smtp://host:port or smtps://host:port)');
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') throw new SmtpUrlInvalid(`SMTP_URL must be smtp:// or smtps://, not ${parsed.protocol}//`);
  // Short timeouts: a mail server that does not answer must not hold a notify slot for minutes.
  const transport = createTransport({ url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 } as Parameters<typeof createTransport>[0]);
  return {
    async send(m) {
      try {
        await transport.sendMail({ from, to: m.to, subject: m.subject, text: m.text });
      } catch (err) {
        const code = (err as { responseCode?: number }).responseCode;
        // 4xx and network failures are worth another try (the job retries); 5xx are not.
        if (code !== undefined && code >= 500) throw new EmailRefused(`the mail server refused the notice (${code}): ${(err as Error).message.split('\n')[0]}`);
        throw err;
      }
    },
  };
}

const STATE: Record<string, (where: string) => string> = {
  rolled: (w) => `found a live secret key in ${w} and rolled it`,
  already_rolled: (w) => `found a secret key in ${w} that had already been rolled`,
  revoked_now: (w) => `found a live secret key in the public repository ${w} and revoked it at once`,
  revoked: (w) => `found a secret key in ${w} that is already revoked`,
  expired: (w) => `found a secret key in ${w} that has already expired`,
};

/** The notice as an email: plain text, no secret. `why`: why GitHub could not carry it. */
export function noticeEmail(job: RotateJobData, result: RotationResult, to: string, why: string, now: Date): EmailMessage {
  const where = `${job.owner}/${job.repo}`;
  const commit = job.commit ? `${job.commit.slice(0, 12)}${job.htmlUrl ? ` (${job.htmlUrl})` : commitUrlOf(job) ? ` (${commitUrlOf(job)})` : ''}` : 'unknown';
  const lines = [
    `keywarden ${(STATE[result.outcome] ?? ((w: string) => `found a secret key in ${w}`))(where)}.`,
    '',
    `It could not tell the repository's owner on GitHub (${why}), so it writes to this address, the notify.email contact in ${where}'s .github/keywarden.yml. Please pass this on to whoever owns the key.`,
    '',
    ...(hasGraceDeadline(result) ? [`DEADLINE: the old key stops working at ${formatUtc(result.oldKeyExpiresAt)} (${formatRelative(result.oldKeyExpiresAt, now)}). Anything still using it after that is refused.`, ''] : []),
    'Where it leaked',
    `  Repository:   ${where}`,
    `  File:         ${job.path}, line ${job.line}`,
    `  Commit:       ${commit}`,
    ...(job.pullRequest ? [`  Pull request: #${job.pullRequest.number}${job.pullRequest.htmlUrl ? ` (${job.pullRequest.htmlUrl})` : ''}`] : []),
    `  Author:       ${job.authorLogin ? `@${job.authorLogin}` : (job.author ?? 'unknown')}`,
    `  Rule:         ${job.ruleId}`,
    // The address is the organization's own: the key's id and name help it find the key.
    `  Key:          ${keyDescription({ ...job, publicRepo: undefined }, result).replace(/`/g, '')}`,
    `  Preview:      ${job.preview} (redacted)`,
    `  Fingerprint:  ${job.fingerprint}`,
    '',
    ...whatToDo(job, result).map((l) => l.replace(/\*\*|`/g, '').replace(/^### /, '')).filter((l) => !/^\d\. Close this issue/.test(l)),
  ];
  return { to, subject: `[keywarden] ${issueTitle(job, result)} (${where})`, text: lines.join('\n') + '\n' };
}
