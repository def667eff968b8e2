/**
 * Text a person reads off the screen must read the same to everyone: no characters they cannot
 * see or type, and none that reorder what is shown (Trojan Source). Used for the IdP's user code
 * and for the deployer's `screen_name`.
 */

/**
 * C0/C1 controls, soft hyphen, bidi marks, overrides and isolates, zero-width characters, BOM.
 * Spelled as ranges: `\p{Cf}` needs an engine newer than some TV browsers.
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
export const UNSHOWABLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/;
