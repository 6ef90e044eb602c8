// Is the value after `password =` a literal someone typed, or code? A regex cannot tell
// `password = "Pseg2020"` from `password = PRIVATE_KEY_PKCS8` or `token = "?InterpolationInTemplate"`
// (RE2 has no lookaround), so the password and generic rules ask these checks after matching.
// Each answer errs towards "code": a missed weak password costs less than a report full of
// identifiers that teaches users to stop reading it.
import { looksLikePlaceholder } from './placeholder.js';

/** Templating and variable references: ${X}, {{ x }}, %(x)s, #{x}, <%= x %>, $X, %X%, @x@, &lt;x&gt;. */
const TEMPLATE = /\$\{|\$\(|\{\{|\}\}|\{%|%\(|#\{|<%|&lt;|&gt;|&#|^\$[A-Za-z_{]|^%[A-Za-z_]+%$|^@[A-Za-z_.]+@$|^%[sdv]$|\{\d*\}|\{[A-Za-z_.]+\}|^<.*>$|<[A-Za-z_ -]+>|^\[[^\]]*\]$|__[A-Z0-9_]+__|^\.\.\.|…/;

/** Values that say "fill this in" or name the field instead of filling it. */
const PLACEHOLDER_WORDS =
  /^(?:(?:your|the|some|a|db|app|admin|user|super|strong|default|secret|new|old|test|dev|prod|root|sample|example)?[_-]?(?:pass(?:word|wd|phrase)?|pwd|pw|secret|token|key)[_-]?(?:here|goes[_-]?here|value)?\d{0,3}|changeme|change[_-]?me|change[_-]?it|changethis|replaceme|replace[_-]?me|example|sample|placeholder|dummy|redacted|removed|hidden|masked|secret|none|null|nil|undefined|empty|true|false|yes|no|on|off|todo|tbd|fixme|test|testing|guest|admin|root|default|string|str|text|number|int|integer|bool|boolean|object|any|function|symbol|bigint|passed|failed|required|optional|input|field|value|type|off|current-password|new-password|one-time-code|notset|not[_-]?set|unset|n\/a|na|foo|bar|baz|qux|quux|foobar|demo|hello|world|abc|xyz|letmein|qwerty|user|username|login|pass123|\*+|x+|\.+|-+|_+|#+|•+)$/i;

/** Words inside a value that mark a sample. */
const PLACEHOLDER_PARTS = /^your|^-?anonymous|^xyzzy|changeme|change_me|placeholder|redacted|example|your[_-]?(?:own[_-]?)?(?:pass|secret|token|key|api)|xxxx|\*\*\*|(?:^|[_-])here$|^fake|^dummy|^sample|^insert|^enter[_-]|^put[_-]/i;

/** Code shapes: identifiers, member access, calls, indexing, paths, URLs, comments, type names. */
function looksLikeCode(v: string): boolean {
  return looksLikeIdentifier(v) || looksLikeExpression(v);
}

/** An identifier or constant: TokenParser, lastToken, PRIVATE_KEY_PKCS8, db_password, ?Interpolation. */
function looksLikeIdentifier(v: string): boolean {
  const core = v.replace(/^[?!:.#@&*-]+|[?!:;,.]+$/g, '');
  if (/^[A-Za-z_$][A-Za-z_$]*$/.test(core) && /[A-Z_]/.test(core.slice(1))) return true;
  if (/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/.test(core)) return true;
  if (/^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$/.test(core) && !/\d/.test(core)) return true;
  if (/^[a-z]{2,}(?:[A-Z][a-z]{2,}\d*)+$/.test(core)) return true;
  return false;
}

function looksLikeExpression(v: string): boolean {
  // Member access, namespaces, calls and indexing: process.env.X, os.environ['X'], getPw(), Foo::BAR.
  // Each part must read as a name (letters, then digits at most at the end): a token with
  // dots (a JWT, a Discord or Vault token) has parts like Cl2FMQ, which names never are.
  if (/^[A-Za-z_$][A-Za-z_$]*\d*(?:(?:\.|::|->|\?\.)[A-Za-z_$][A-Za-z_$]*\d*)+(?:\(.*\)|\[.*\])?;?$/.test(v)) return true;
  if (/^[A-Za-z_$][\w$.]*\(.*\)?;?$/.test(v) || /^[A-Za-z_$][\w$.]*\[.*\]$/.test(v)) return true;
  // Paths and URLs: /keystore/x.json, ./secrets, ~/.ssh/id_rsa, C:\keys, config/secrets.yml.
  if (/^(?:\/|\.{1,2}\/|~\/|[A-Za-z]:\\|\\\\)/.test(v) || /^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return true;
  if (/^[\w.-]+\/[\w./-]*$/.test(v) && /[a-z]{3}/i.test(v) && !/\d{2}/.test(v)) return true;
  if (/^[\w.-]+\.(?:json|ya?ml|pem|key|p12|pfx|jks|txt|crt|cer|env|ini|conf|cfg|properties|xml|toml|js|ts|py|rb)$/i.test(v)) return true;
  // Comments and annotations in minified code: /*#__PURE__*/, urn:uuid:…
  if (/\/\*|\*\/|^\/\/|^urn:/i.test(v)) return true;
  return false;
}

/** Digests and UUIDs: under a password key they are a hash or an id, not the password. */
function looksLikeHash(v: string): boolean {
  return (
    /^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{128}|[0-9A-F]{32}|[0-9A-F]{40}|[0-9A-F]{64})$/.test(v) ||
    /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(v) ||
    looksLikePasswordHash(v)
  );
}

/** Password-hash formats (crypt, LDAP, PostgreSQL md5/SCRAM, SRI): never a usable credential as written. */
function looksLikePasswordHash(v: string): boolean {
  return (
    /^\$(?:2[abxy]?|1|5|6|apr1|argon2(?:id|i|d)|pbkdf2[-\w]*|scrypt)\$/.test(v) ||
    /^\{(?:SHA|SSHA|MD5|SMD5|CRYPT|SHA256|SSHA256|SHA512|SSHA512|bcrypt|PBKDF2)[-\w]*\}/i.test(v) ||
    /^md5[0-9a-f]{32}$/.test(v) ||
    /^SCRAM-SHA-256\$/.test(v) ||
    /^sha(?:1|256|384|512)-/.test(v)
  );
}

/** YAML and config syntax that is not a value: block scalars, anchors, aliases, tags, encrypted blobs ({…} is Maven's). */
function looksLikeSyntax(v: string): boolean {
  return /^\{[A-Za-z0-9+/=]+\}$/.test(v) || /^[|>][-+]?\d*$/.test(v) || /^[&*][\w-]+$/.test(v) || /^!\w/.test(v) || /^(?:ENC|DEC|enc|vault|secret)\(.*\)$/.test(v);
}

/**
 * True when `value` (without its quotes) reads as a password someone wrote down: not a
 * placeholder, template, reference, identifier, path, hash or message.
 */
export function isPasswordLiteral(value: string): boolean {
  const v = value.trim();
  return v.length >= 6 && isWrittenPassword(v) && !looksLikeIdentifier(v) && !NAMES_ITSELF.test(v);
}

/**
 * A value that spells out "password" or "secret" (my-top-secret, fallback-password, secret-2)
 * is a sample in docs and tests; people who write a real one down do not use the word.
 */
const NAMES_ITSELF = /secret|geheim|passw(?:or)?d|passwd|^pass[_-]?\d*$/i;

/**
 * The password slot of a connection string (scheme://user:PASSWORD@, Password=…;) holds no
 * code, so there an identifier-shaped value (`myPassword`, `DbAdmin`) is a password.
 */
export function isConnectionPassword(value: string): boolean {
  return isWrittenPassword(value) && !NAMES_ITSELF.test(value.trim());
}

function isWrittenPassword(value: string): boolean {
  const v = value.trim();
  if (v.length < 3 || v.length > 128) return false;
  // Messages ("Password is required") and non-ASCII text (translated UI strings).
  if (/\s/.test(v) || /[^\x21-\x7e]/.test(v)) return false;
  if (TEMPLATE.test(v) || PLACEHOLDER_WORDS.test(v) || PLACEHOLDER_PARTS.test(v)) return false;
  if (looksLikeExpression(v) || looksLikeHash(v) || looksLikeSyntax(v)) return false;
  // Version numbers (package.json dependencies under a "…password" package name).
  if (/^[\^~>=<]*\d+(?:\.\d+)+(?:[-+][\w.]+)?$/.test(v)) return false;
  // Numbers alone: ports, counts, PINs in samples (123456 is caught as a placeholder too).
  if (/^\d{1,6}$/.test(v)) return false;
  // The same character throughout, or a typed run (qwerty123, abcd1234, a1b2c3d4).
  if (new Set(v.toLowerCase()).size <= 2) return false;
  if (looksLikePlaceholder(v)) return false;
  return true;
}

/** For high-entropy catch-alls and header rules: the value is not code, a template, a path or a placeholder. */
export function isSecretLiteral(value: string): boolean {
  const v = value.trim();
  if (/\s/.test(v) || /[^\x21-\x7e]/.test(v)) return false;
  if (TEMPLATE.test(v) || PLACEHOLDER_PARTS.test(v)) return false;
  // Plain digests and UUIDs are left to each rule's allowlist: many API keys are 32 hex or a UUID.
  if (looksLikeCode(v) || looksLikePasswordHash(v) || looksLikeSyntax(v)) return false;
  return !looksLikePlaceholder(v);
}
