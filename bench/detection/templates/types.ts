// What a file template is given (the value to plant and the names around it) and what it makes.
import type { Names, Part } from '../doc.js';
import type { Rng } from '../rng.js';

/**
 * plain: one token; uri: scheme://…; spaced: holds spaces, `;` or quotes (ADO.NET strings);
 * header: `Name: value`; multiline: PEM blocks and the like.
 */
export type Shape = 'plain' | 'uri' | 'spaced' | 'header' | 'multiline';

export interface Slot {
  /** The value to write (a token, a near miss or a placeholder). */
  value: string;
  /** The variable name people use, holding the provider's keyword. */
  names: Names;
  shape: Shape;
  /** The provider's lower-case keyword (its first context word, or its id). */
  keyword: string;
  /** The provider's display name. */
  display: string;
}

export interface Template {
  name: string;
  shapes: readonly Shape[];
  /**
   * The value sits away from its keyword (nested JSON/YAML, INI sections, XML siblings, base64
   * of the bare value): only for values recognisable on their own (a documented prefix).
   */
  detached?: boolean;
  render(s: Slot, rng: Rng): { path: string; parts: Part[] };
}

export const ALL: readonly Shape[] = ['plain', 'uri', 'spaced', 'header', 'multiline'];
export const SIMPLE: readonly Shape[] = ['plain', 'uri'];
export const QUOTABLE: readonly Shape[] = ['plain', 'uri', 'spaced'];

/** Splits `Name: value`; other shapes give the header name people pass it in. */
export function headerParts(s: Slot): { name: string; value: string } {
  const i = s.value.indexOf(': ');
  if (s.shape === 'header' && i > 0) return { name: s.value.slice(0, i), value: s.value.slice(i + 2) };
  return { name: 'Authorization', value: `Bearer ${s.value}` };
}

/** The value as it sits inside a JSON (or YAML/C-family double-quoted) string. */
export function jsonInner(v: string): string {
  return JSON.stringify(v).slice(1, -1);
}

export function lines(...ls: string[]): string {
  return ls.join('\n') + '\n';
}
