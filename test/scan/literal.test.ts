import { describe, expect, it } from 'vitest';
import { isPasswordLiteral, isSecretLiteral } from '../../src/scan/literal.js';
import { VALIDATORS } from '../../src/scan/validators.js';

describe('isPasswordLiteral', () => {
  it('accepts passwords people write down, short and low-entropy ones included', () => {
    for (const v of ['Pseg2020', 'whiteduke', 'super$ecret', 'hunter2', 'Tq8#mZ2!vK9xL4pR', 'P@ssw0rd!2024', 'my_pass_2020', 's3cr3t']) {
      expect(isPasswordLiteral(v), v).toBe(true);
    }
  });

  it('rejects references, templates, placeholders and code', () => {
    for (const v of [
      'process.env.DB_PASSWORD', "os.environ['DB_PASSWORD']", 'os.getenv("X")', '${DB_PASS}', '$DB_PASS', '{{ db_password }}', '%(password)s',
      '<your-password>', '&lt;password&gt;', '%DB_PASS%', '@db.password@', '{password}', '[password]', '__PASSWORD__',
      'changeme', 'password', 'password123', 'your_password_here', 'xxxx', '********', '...', 'secret',
      'PRIVATE_KEY_PKCS8', 'DB_PASSWORD', 'TokenParser', '?InterpolationInTemplate', 'refreshTokenExpired', 'getPassword()', 'self.password',
      '/*#__PURE__*/', '/keystore/73103_absl_key', './secrets/db.txt', 'config/secrets.yml', 'https://example.com', 'urn:uuid:a515cfa4',
      '5f4dcc3b5aa765d61d8327deb882cf99', '$2b$12$abcdefghijklmnopqrstuv', 'md532e12f215ba27cb750c9e093ce4b5127',
      'Password is required', '予期しないトークン', 'string', 'hidden', 'current-password', '|', '>-', '!vault', '*default', 'ENC(AbCdEf123)',
      'abcd1234', 'qwerty123', '123456', '8080', 'aaaaaa',
    ]) {
      expect(isPasswordLiteral(v), v).toBe(false);
    }
  });
});

describe('isSecretLiteral', () => {
  it('keeps random values and drops code', () => {
    expect(isSecretLiteral('h7Kd2Wq9Lz4Xm1Rv8Nb5Tc3Yg6Js0Fp')).toBe(true);
    expect(isSecretLiteral('/*@__PURE__*/getDefaultExportFromCjs')).toBe(false);
    expect(isSecretLiteral('PRIVATE_KEY_PKCS8')).toBe(false);
    expect(isSecretLiteral('1234567890abcdef1234567890abcdef12345678')).toBe(false);
    expect(isSecretLiteral('MTE3NzQ4OTI2NTUxMjQ3MDU2.Gh7Qw2.Lm4pZx8Rt1Vk9Nb5Hc3Yj7Dg6Sf0Ae2Wq4')).toBe(true);
    expect(isSecretLiteral('process.env.API_TOKEN')).toBe(false);
  });
});

describe('validators', () => {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');

  it('basic-auth decodes the header and checks its password', () => {
    expect(VALIDATORS['basic-auth'](b64('deploy:Pseg2020'))).toBe(true);
    expect(VALIDATORS['basic-auth'](b64('user:password'))).toBe(false);
    expect(VALIDATORS['basic-auth'](b64('username:${PASSWORD}'))).toBe(false);
    expect(VALIDATORS['basic-auth'](b64('no colon here'))).toBe(false);
    expect(VALIDATORS['basic-auth']('not base64!')).toBe(false);
  });

  it('pem-private-key wants a DER body, escaped newlines allowed', () => {
    const der = Buffer.concat([Buffer.from([0x30, 0x82, 0x04, 0xbe]), Buffer.alloc(60, 7)]).toString('base64');
    expect(VALIDATORS['pem-private-key'](`-----BEGIN PRIVATE KEY-----\\n${der}\\n-----END PRIVATE KEY-----`)).toBe(true);
    expect(VALIDATORS['pem-private-key'](`-----BEGIN PRIVATE KEY-----\n${der}\n-----END PRIVATE KEY-----`)).toBe(true);
    expect(VALIDATORS['pem-private-key']('-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----')).toBe(false);
    const notDer = Buffer.alloc(64, 65).toString('base64');
    expect(VALIDATORS['pem-private-key'](`-----BEGIN PRIVATE KEY-----\n${notDer}\n-----END PRIVATE KEY-----`)).toBe(false);
  });
});
