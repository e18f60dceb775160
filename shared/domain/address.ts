/**
 * One person, one address: the form an email address takes for contact limits, confirmation and
 * suppression, so `Victim+2@Example.com` counts as `victim@example.com` (docs/threat-model.md).
 * Never used to send: mail goes to the address as given.
 * Pure: node:url's IDNA conversion only.
 */
import { domainToASCII } from 'node:url';

/** Providers that ignore dots in the local part. */
const DOTLESS_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

/**
 * Lower-case, trimmed, the domain in ASCII (IDNA), a `+tag` dropped from the local part (and dots
 * for Gmail). A quoted local part keeps its content as written (lower-cased): inside quotes `+`
 * and `.` are characters of the mailbox name, not sub-addressing. A string that is not
 * `local@domain.tld` is only trimmed and lower-cased.
 */
export function normalizeAddress(email: string): string {
  const trimmed = email.trim();
  const at = trimmed.lastIndexOf('@');
  const domain = at > 0 ? asciiDomain(trimmed.slice(at + 1)) : undefined;
  if (!domain) return trimmed.toLowerCase();
  const local = trimmed.slice(0, at).toLowerCase();
  if (local.length >= 2 && local.startsWith('"') && local.endsWith('"')) return `${local}@${domain}`;
  let base = local.split('+', 1)[0] as string;
  if (DOTLESS_DOMAINS.has(domain)) base = base.replaceAll('.', '');
  if (!base) base = local;
  // googlemail.com is the same mailbox as gmail.com.
  return `${base}@${domain === 'googlemail.com' ? 'gmail.com' : domain}`;
}

function asciiDomain(domain: string): string | undefined {
  const ascii = domainToASCII(domain.toLowerCase().replace(/\.$/, ''));
  return ascii?.includes('.') ? ascii : undefined;
}

/**
 * Text that may be kept where erasure does not look (a notice claim's error, the timeline, logs),
 * with every address in it replaced: SES names the address in some of its refusals.
 */
export function withoutAddresses(text: string): string {
  return text.replace(/[^\s<>"'(),;:[\]]+@[^\s<>"'(),;:[\]]+/g, '<address>');
}
