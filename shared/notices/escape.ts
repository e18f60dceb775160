/**
 * The one place where text becomes email-safe (invariant 9). Every user-supplied string that
 * reaches HTML goes through `escapeHtml`; every value that reaches a header goes through
 * `headerSafe`. Templates never concatenate raw user text into markup.
 */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text → HTML text or attribute value (quotes escaped too). */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

// C0 and C1 controls, DEL, and the Unicode line / paragraph separators.
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
// Everything above, except tab and line feed (which a multi-line text body may keep).
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const CONTROLS_BUT_NEWLINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * A value for one line: controls (CR, LF, NUL, …) become spaces, runs of spaces collapse, and it
 * is trimmed. Used for names and labels in bodies.
 */
export function singleLine(value: unknown): string {
  return String(value ?? '')
    .replace(CONTROLS, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A header value: `singleLine`, then at most `max` characters, so no header can be injected. */
export function headerSafe(value: unknown, max = 200): string {
  const line = singleLine(value);
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Multi-line user text for a plain-text body: CRLF/CR → LF, other controls removed. */
export function multiLine(value: unknown): string {
  return String(value ?? '')
    .replace(/\r\n?/g, '\n')
    .replace(CONTROLS_BUT_NEWLINE, '')
    .trim();
}

/**
 * An RFC 2047 encoded-word phrase (`=?UTF-8?B?…?=`, split so no word exceeds 75 characters and
 * no UTF-8 sequence is cut), for a display name with non-ASCII characters. Plain printable ASCII
 * without specials comes back as a quoted string.
 */
export function encodePhrase(value: string): string {
  const text = headerSafe(value, 120);
  if (/^[\x20-\x7e]*$/.test(text)) return `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  const words: string[] = [];
  let chunk = '';
  for (const ch of text) {
    // 45 bytes of UTF-8 → 60 base64 characters + 12 of `=?UTF-8?B?` and `?=` = 72 ≤ 75.
    if (Buffer.byteLength(chunk + ch, 'utf8') > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join(' ');
}

/** `Display Name <address>` with the name encoded for a header; the address is validated upstream. */
export function mailbox(address: string, displayName?: string): string {
  const name = displayName ? headerSafe(displayName, 120) : '';
  const addr = headerSafe(address, 254);
  return name ? `${encodePhrase(name)} <${addr}>` : addr;
}
