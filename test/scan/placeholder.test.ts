import { describe, expect, it } from 'vitest';
import { looksLikePlaceholder } from '../../src/scan/placeholder.js';
import { tokenChars } from './helpers.js';

describe('looksLikePlaceholder', () => {
  it('takes typed patterns for placeholders', () => {
    for (const s of [
      'a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8',
      '1234567890abcdef1234567890abcdef12345678',
      'sk_live_abcdefghijklmnopqrstuvwx',
      'qwertyuiop123',
      'xxxxxxxxxxxxxxxxxxxxxxxx',
      'DEADBEEFDEADBEEFDEADBEEF',
      'Ab1Ab1Ab1Ab1Ab1Ab1',
      'zyxwvutsrq9876543210',
      '123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11',
    ]) {
      expect(looksLikePlaceholder(s), s).toBe(true);
    }
  });

  it('leaves random tokens and human passwords alone', () => {
    for (const s of ['Pseg2020', 'whiteduke', 'Tq8#mZ2!vK9xL4pR', 'super$ecret', 'ghp_' + tokenChars(36), tokenChars(64, 7), '5d41402abc4b2a76b9719d911017c592']) {
      expect(looksLikePlaceholder(s), s).toBe(false);
    }
  });

  it('ignores short values (too few characters to judge)', () => {
    expect(looksLikePlaceholder('abcd')).toBe(false);
  });
});
