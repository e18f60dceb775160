/**
 * A small document model for emails: templates build blocks, and this module alone turns them
 * into HTML (escaping every string) and plain text. So no template writes markup, and no user
 * text can reach the HTML unescaped.
 */
import { escapeHtml, multiLine, singleLine } from './escape.ts';

export interface Link {
  label: string;
  url: string;
}

export type Block =
  /** A paragraph of fixed or formatted text (one line). */
  | { kind: 'p'; text: string }
  /** User text (a comment, a staff message): multi-line, shown as a quote. */
  | { kind: 'quote'; label?: string; text: string }
  /** Label / value pairs. */
  | { kind: 'facts'; rows: readonly (readonly [string, string])[] }
  /** Buttons in HTML, `label: url` lines in text. */
  | { kind: 'actions'; links: readonly Link[] }
  | {
      kind: 'table';
      caption: string;
      head: readonly string[];
      rows: readonly (readonly string[])[];
      /** Shown instead of an empty table. */
      empty: string;
    }
  /** Small print (footer). */
  | { kind: 'note'; text: string; link?: Link };

export interface EmailDocument {
  lang: 'ja' | 'en';
  /** The subject, used as the HTML title too. */
  title: string;
  greeting?: string;
  blocks: readonly Block[];
  footer: readonly Block[];
}

/** Only our own absolute http(s) links are rendered as links. */
function safeUrl(url: string): string | undefined {
  return /^https?:\/\/[^\s"'<>]+$/.test(url) ? url : undefined;
}

const font =
  "font-family:-apple-system,BlinkMacSystemFont,'Segoe UI','Hiragino Sans','Hiragino Kaku Gothic ProN',Meiryo,sans-serif";

function blockHtml(block: Block): string {
  switch (block.kind) {
    case 'p':
      return `<p style="margin:0 0 16px">${escapeHtml(singleLine(block.text))}</p>`;
    case 'quote': {
      const lines = multiLine(block.text).split('\n').map(escapeHtml).join('<br>');
      const label = block.label
        ? `<p style="margin:0 0 4px;color:#555">${escapeHtml(singleLine(block.label))}</p>`
        : '';
      return `${label}<blockquote style="margin:0 0 16px;padding:8px 12px;border-left:4px solid #ccc;background:#f7f7f7;white-space:normal">${lines}</blockquote>`;
    }
    case 'facts': {
      const rows = block.rows
        .map(
          ([k, v]) =>
            `<tr><th style="text-align:left;padding:4px 12px 4px 0;color:#555;font-weight:normal;vertical-align:top">${escapeHtml(singleLine(k))}</th><td style="padding:4px 0">${escapeHtml(singleLine(v))}</td></tr>`,
        )
        .join('');
      return `<table role="presentation" style="border-collapse:collapse;margin:0 0 16px">${rows}</table>`;
    }
    case 'actions': {
      const links = block.links
        .map((l) => {
          const url = safeUrl(l.url);
          if (!url) return '';
          return `<a href="${escapeHtml(url)}" style="display:inline-block;margin:0 8px 8px 0;padding:10px 16px;background:#1a56db;color:#fff;text-decoration:none;border-radius:4px">${escapeHtml(singleLine(l.label))}</a>`;
        })
        .join('');
      return `<p style="margin:0 0 16px">${links}</p>`;
    }
    case 'table': {
      const caption = `<p style="margin:16px 0 4px;font-weight:bold">${escapeHtml(singleLine(block.caption))}</p>`;
      if (block.rows.length === 0)
        return `${caption}<p style="margin:0 0 16px;color:#555">${escapeHtml(block.empty)}</p>`;
      const cell = 'padding:4px 8px;border:1px solid #ddd';
      const head = block.head
        .map(
          (h) => `<th style="${cell};background:#f0f0f0;text-align:left">${escapeHtml(singleLine(h))}</th>`,
        )
        .join('');
      const rows = block.rows
        .map(
          (r) => `<tr>${r.map((c) => `<td style="${cell}">${escapeHtml(singleLine(c))}</td>`).join('')}</tr>`,
        )
        .join('');
      return `${caption}<table style="border-collapse:collapse;margin:0 0 16px"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
    }
    case 'note': {
      const url = block.link ? safeUrl(block.link.url) : undefined;
      const link =
        block.link && url
          ? ` <a href="${escapeHtml(url)}" style="color:#555">${escapeHtml(singleLine(block.link.label))}</a>`
          : '';
      return `<p style="margin:0 0 8px;font-size:12px;color:#777">${escapeHtml(singleLine(block.text))}${link}</p>`;
    }
  }
}

export function renderHtml(doc: EmailDocument): string {
  const greeting = doc.greeting
    ? `<p style="margin:0 0 16px">${escapeHtml(singleLine(doc.greeting))}</p>`
    : '';
  const footer = doc.footer.length
    ? `<hr style="border:none;border-top:1px solid #ddd;margin:24px 0 12px">${doc.footer.map(blockHtml).join('')}`
    : '';
  return [
    '<!doctype html>',
    `<html lang="${doc.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">`,
    `<title>${escapeHtml(singleLine(doc.title))}</title></head>`,
    `<body style="margin:0;padding:24px;${font};font-size:15px;line-height:1.6;color:#222">`,
    `<div style="max-width:640px">${greeting}${doc.blocks.map(blockHtml).join('')}${footer}</div>`,
    '</body></html>',
  ].join('\n');
}

function blockText(block: Block): string {
  switch (block.kind) {
    case 'p':
      return singleLine(block.text);
    case 'quote': {
      const quoted = multiLine(block.text)
        .split('\n')
        .map((l) => `> ${l}`)
        .join('\n');
      return block.label ? `${singleLine(block.label)}\n${quoted}` : quoted;
    }
    case 'facts':
      return block.rows.map(([k, v]) => `${singleLine(k)}: ${singleLine(v)}`).join('\n');
    case 'actions':
      return block.links
        .filter((l) => safeUrl(l.url))
        .map((l) => `${singleLine(l.label)}:\n${l.url}`)
        .join('\n\n');
    case 'table': {
      if (block.rows.length === 0) return `${singleLine(block.caption)}\n${block.empty}`;
      const lines = [block.head, ...block.rows].map((r) => r.map(singleLine).join(' | '));
      return `${singleLine(block.caption)}\n${lines.join('\n')}`;
    }
    case 'note': {
      const url = block.link ? safeUrl(block.link.url) : undefined;
      return url && block.link
        ? `${singleLine(block.text)} ${singleLine(block.link.label)}: ${url}`
        : singleLine(block.text);
    }
  }
}

export function renderText(doc: EmailDocument): string {
  const parts = [
    ...(doc.greeting ? [singleLine(doc.greeting)] : []),
    ...doc.blocks.map(blockText),
    ...(doc.footer.length ? ['--', ...doc.footer.map(blockText)] : []),
  ];
  return `${parts.join('\n\n')}\n`;
}
