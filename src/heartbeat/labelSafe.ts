/**
 * A SID becomes a Prometheus label value and an HTML cell, so only a conservative ASCII set is
 * accepted: no quotes, backslashes, newlines, commas, spaces or non-ASCII look-alikes.
 */
export const SID_PATTERN = '^[A-Za-z0-9._:-]{1,64}$';
export const SID_REGEX = new RegExp(SID_PATTERN);

/** E.164: a plus sign, a non-zero country-code digit, at most 15 digits in all. */
export const PHONE_PATTERN = '^\\+[1-9][0-9]{1,14}$';

/** Account path segment (DESIGN.md): lower-case letters, digits, `-` and `_`, at most 63. */
export const ACCOUNT_REGEX = /^[a-z0-9_-]{1,63}$/;
