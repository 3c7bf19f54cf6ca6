/**
 * Text helpers that must give the same result on every machine and never let input reshape a
 * terminal or a log: ordering by code point (never by the locale's collation) and escaping of
 * control characters in anything a message quotes.
 */

/**
 * Orders two strings by their UTF-16 code units, the order `Array.prototype.sort()` uses without a
 * comparator. `localeCompare` without a fixed locale follows the machine's collation (under
 * `LANG=et_EE.UTF-8` "z" sorts between "s" and "t"), so a plan would differ between laptops.
 */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders `[key, value]` entries by key, by code point. */
export function byKey<T>(a: readonly [string, T], b: readonly [string, T]): number {
  return byCodePoint(a[0], b[0]);
}

/**
 * Characters a message never prints as they are: C0 controls (newline included), DEL, C1
 * controls, the line and paragraph separators, and the invisible bidirectional and zero-width
 * marks that can make a value look like another ("Trojan Source").
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

const SHORT: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * A value as a message may quote it: every unsafe character written as an escape (`\n`, `\t`,
 * `\r`, or `\u001b` for the rest), so a value can neither forge a second message line nor send
 * escape sequences to a terminal or a CI log.
 */
export function escapeText(value: string): string {
  return value.replace(UNSAFE, (c) => SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Whether a value holds a character `escapeText` would escape. */
export function hasUnsafeText(value: string): boolean {
  return escapeText(value) !== value;
}
