import { describe, expect, it } from 'vitest';
import { isCustomerKind, type NoticeKind, noticeKinds } from '../../shared/events/notice-requested.ts';
import { encodePhrase, escapeHtml, headerSafe, mailbox, multiLine } from '../../shared/notices/escape.ts';
import { pickLocale } from '../../shared/notices/locale.ts';
import {
  categoryLabel,
  NoticeDataInvalid,
  type NoticeLinks,
  renderNotice,
} from '../../shared/notices/templates.ts';

/** User text planted in every field a producer may fill from a customer or staff member. */
const USER = 'USERTEXT<script>alert(1)</script>';
const NAME = 'Eve\r\nBcc: x@evil.example';

const sampleData: Record<NoticeKind, Record<string, unknown>> = {
  customer_confirm: { siteId: 'shop-jp', siteName: 'Sakura Market' },
  customer_received: { siteName: 'Sakura Market', receivedAt: '2026-11-20T01:00:00Z' },
  customer_progress: { message: `${USER}\n二行目` },
  customer_resolved: { message: USER },
  customer_follow_up: { scale: 'good_bad' },
  customer_problem_resolved: { message: USER, problemTitle: USER },
  customer_survey_invitation: {
    siteId: 'shop-jp',
    siteName: 'Sakura Market',
    invitationId: 'inv_abcdefghijklmnopqrstuvwxyz',
    touchpoint: 'post_purchase',
    surveyType: 'nps',
    closesAt: '2026-12-20T01:00:00Z',
  },
  staff_new_critical: {
    severity: 'critical',
    category: 'payment',
    touchpoint: 'checkout_abandonment',
    teamName: 'Orders',
    assigneeName: NAME,
    acknowledgeBy: '2026-11-20T03:00:00Z',
    comment: USER,
    customerName: NAME,
    reasons: ['payment_method_unavailable'],
    rating: { type: 'nps', score: 2 },
  },
  staff_pre_breach: {
    clock: 'acknowledge',
    deadline: '2026-11-20T03:00:00Z',
    category: 'payment',
    assigneeName: NAME,
  },
  staff_escalation: {
    clock: 'resolve',
    deadline: '2026-11-21T03:00:00Z',
    level: 'manager',
    escalationLevel: 2,
    category: 'delivery',
    assigneeName: NAME,
  },
  staff_problem_verification: {
    problemId: 'prb_1',
    title: USER,
    resolvedAt: '2026-11-20T03:00:00Z',
    verdict: 'improved',
    touchpoints: ['checkout_abandonment'],
    before: { from: '2026-W45', to: '2026-W46', n: 200, negativeShare: 0.31, nps: -12 },
    after: { from: '2026-W48', to: '2026-W49', n: 180, negativeShare: 0.12, nps: 20 },
    change: -0.19,
    pValue: 0.00001,
  },
  staff_weekly_digest: {
    teamName: 'Orders',
    week: '2026-W47',
    counts: { new: 12, open: 7, overdue: 2 },
    byTouchpoint: [
      { touchpoint: 'checkout_abandonment', responses: 40, nps: -15, csat: 0.55 },
      { touchpoint: 'delivery', responses: 9, nps: null, csat: null },
    ],
    asks: [
      {
        touchpoint: 'post_purchase',
        invited: 120,
        opened: 64,
        answered: 30,
        responseRate: 0.25,
        prompted: 0,
        promptResponseRate: null,
      },
    ],
    attainment: [
      { metric: 'acknowledgedWithin2h', actual: 0.72, target: 0.6 },
      { metric: 'closedWithin48h', actual: 0.9, target: 0.95 },
    ],
    topReasons: [{ reason: 'payment_method_unavailable', count: 8 }],
  },
};

const links: NoticeLinks = {
  acknowledge: 'https://cl.example/v1/actions/ack.sig',
  claim: 'https://cl.example/v1/actions/claim.sig',
  open: 'https://cl.example/v1/actions/open.sig',
  unsubscribe: 'https://cl.example/v1/actions/unsub.sig',
  rate: [
    { value: 'good', url: 'https://cl.example/v1/actions/good.sig' },
    { value: 'bad', url: 'https://cl.example/v1/actions/bad.sig' },
  ],
};

const render = (
  kind: NoticeKind,
  locale: 'ja' | 'en',
  over: Partial<Parameters<typeof renderNotice>[0]> = {},
) =>
  renderNotice({
    kind,
    caseId: 'case_abc123',
    data: sampleData[kind],
    recipient: { email: 'someone@example.jp', name: NAME },
    locale,
    serviceName: 'Sakura Market お客様の声',
    timeZone: 'Asia/Tokyo',
    links,
    ...over,
  });

describe('notice templates', () => {
  describe.each(noticeKinds)('%s', (kind) => {
    it('renders HTML and text in Japanese and in English', () => {
      const ja = render(kind, 'ja');
      const en = render(kind, 'en');

      expect(ja.html).toMatch(/^<!doctype html>\n<html lang="ja">/);
      expect(en.html).toMatch(/<html lang="en">/);
      expect(ja.subject).toMatch(/[\u3040-\u30ff\u4e00-\u9faf]/);
      expect(en.subject).toMatch(/^[\x20-\x7e]+$/);
      expect(ja.text.length).toBeGreaterThan(20);
      // No Japanese in the English text except what the data and config carry.
      expect(en.text.replaceAll('お客様の声', '').replaceAll('二行目', '')).not.toMatch(/[\u3040-\u30ff]/);
    });

    it('never puts user text in the subject, and keeps the subject on one line', () => {
      for (const locale of ['ja', 'en'] as const) {
        const { subject } = render(kind, locale);
        expect(subject).not.toMatch(/USERTEXT|Eve|evil|script/);
        expect(subject).not.toMatch(/[\r\n]/);
      }
    });

    it('escapes user text in HTML and keeps names on one line', () => {
      const { html, text } = render(kind, 'en');

      expect(html).not.toMatch(/<script|alert\(1\)<\/script>/);
      expect(html).not.toMatch(/Eve\r?\n/);
      expect(text).not.toMatch(/Eve\r?\nBcc/);
      if (JSON.stringify(sampleData[kind]).includes('USERTEXT')) {
        expect(html).toContain('USERTEXT&lt;script&gt;alert(1)&lt;/script&gt;');
        expect(text).toContain(USER); // plain text is not HTML: shown as written
      }
    });

    it(`${isCustomerKind(kind) ? 'carries' : 'does not need'} an unsubscribe link`, () => {
      const { html, text } = render(kind, 'ja');
      expect(html.includes(links.unsubscribe!)).toBe(isCustomerKind(kind));
      expect(text.includes(links.unsubscribe!)).toBe(isCustomerKind(kind));
    });
  });

  it('greets the customer by name in their language, or politely without one', () => {
    const noName = { email: 'x@example.jp' };
    expect(
      render('customer_received', 'ja', { recipient: { email: 'x@example.jp', name: '山田 花子' } }).text,
    ).toMatch(/^山田 花子 様\n/);
    expect(render('customer_received', 'ja', { recipient: noName }).text).toMatch(/^お客様へ\n/);
    expect(render('customer_received', 'en', { recipient: noName }).text).toMatch(/^Hello,\n/);
  });

  it('shows the staff message of a progress update as a quote, line breaks kept', () => {
    const { html, text } = render('customer_progress', 'ja');
    expect(text).toContain(`> ${USER}\n> 二行目`);
    expect(html).toContain('USERTEXT&lt;script&gt;alert(1)&lt;/script&gt;<br>二行目');
  });

  it('offers one-click answers in the follow-up survey', () => {
    const { html } = render('customer_follow_up', 'en');
    expect(html).toContain(`href="${links.rate![0]!.url}"`);
    expect(html).toContain('Yes, it is fixed');
    expect(html).toContain(`href="${links.rate![1]!.url}"`);
  });

  it('names the case, the deadline missed, who had it and the rung in an escalation', () => {
    const { subject, text } = render('staff_escalation', 'en', {
      data: { ...sampleData.staff_escalation, assigneeName: 'Tanaka' },
    });
    expect(subject).toBe('[Escalation 2: manager] Case case_abc123 missed its resolve deadline');
    expect(text).toContain('missed its resolve deadline (Sat, 21 Nov 2026, 12:00 GMT+9) while Tanaka had it');
    expect(text).toContain('escalation rung 2 (manager)');
    expect(text).toContain('Acknowledge:\nhttps://cl.example/v1/actions/ack.sig');
  });

  it('builds the weekly digest tables from the data', () => {
    const { html, text } = render('staff_weekly_digest', 'en');
    expect(text).toContain('New | Open | Overdue\n12 | 7 | 2');
    expect(text).toContain('checkout_abandonment | 40 | -15 | 55%');
    expect(text).toContain('delivery | 9 | - | -');
    expect(text).toContain('Acknowledged within 2 h | 72% | 60% | ✓');
    expect(text).toContain('Closed within 48 h | 90% | 95% | ✗');
    expect(text).toContain('payment_method_unavailable | 8');
    expect(text).toContain('post_purchase | 120 | 64 | 30 | 25% | 0 | -');
    expect(html).toContain('<td style="padding:4px 8px;border:1px solid #ddd">55%</td>');
  });

  it('leaves the ask table out of a digest queued before the ask figures existed', () => {
    const { asks: _, ...before } = sampleData.staff_weekly_digest;
    const { text } = render('staff_weekly_digest', 'en', { data: before });
    expect(text).toContain('NPS / CSAT by touchpoint');
    expect(text).not.toContain('Survey invitations');
    expect(text).not.toContain('No survey invitations sent');
  });

  it('says so when a digest section has no data', () => {
    const { text } = render('staff_weekly_digest', 'ja', {
      data: { teamName: 'Orders', week: '2026-W47', counts: { new: 0, open: 0, overdue: 0 } },
    });
    expect(text).toContain('タッチポイント別 NPS / CSAT\nデータはありません。');
  });

  it('refuses data a kind cannot be rendered from', () => {
    expect(() => render('customer_resolved', 'ja', { data: {} })).toThrow(NoticeDataInvalid);
    expect(() => render('staff_escalation', 'ja', { data: { clock: 'soon', level: 'lead' } })).toThrow(
      /clock/,
    );
  });

  it('only links to http(s) URLs', () => {
    const { html } = render('staff_new_critical', 'en', {
      links: { open: 'javascript:alert(1)', acknowledge: 'https://ok.example/a"onmouseover="x' },
    });
    expect(html).not.toContain('javascript:');
    expect(html).not.toContain('onmouseover');
  });

  it('labels known categories and reduces unknown ones to slug characters', () => {
    expect(categoryLabel('payment', 'ja')).toBe('お支払い');
    expect(categoryLabel('delivery', 'en')).toBe('Delivery');
    expect(categoryLabel('gift<b>wrap', 'en')).toBe('giftbwrap');
  });
});

describe('recipient language', () => {
  it('matches the recipient locale by its primary subtag', () => {
    expect(pickLocale('en-US', 'customer', 'ja')).toBe('en');
    expect(pickLocale('ja_JP', 'staff')).toBe('ja');
  });

  it("falls back to the site's default locale, else Japanese, for customers", () => {
    expect(pickLocale(undefined, 'customer', 'en')).toBe('en');
    expect(pickLocale('fr', 'customer', undefined)).toBe('ja');
  });

  it('falls back to English for staff', () => {
    expect(pickLocale(undefined, 'staff', 'ja')).toBe('en');
    expect(pickLocale('de-DE', 'staff')).toBe('en');
  });
});

describe('escaping helpers', () => {
  it('escapes the five HTML specials', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('strips CR, LF and other controls from header values', () => {
    expect(headerSafe('Eve\r\nBcc: x@evil\u0000\u2028end')).toBe('Eve Bcc: x@evil end');
    expect(headerSafe('x'.repeat(300), 10)).toHaveLength(10);
  });

  it('keeps line feeds but no other controls in multi-line text', () => {
    expect(multiLine('a\r\nb\rc\u0007d')).toBe('a\nb\ncd');
  });

  it('encodes a non-ASCII display name as RFC 2047 words that decode back', () => {
    const encoded = encodePhrase('Sakura Market お客様の声');
    const words = encoded.split(' ');
    for (const w of words) expect(w).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/);
    for (const w of words) expect(w.length).toBeLessThanOrEqual(75);
    const decoded = words.map((w) => Buffer.from(w.slice(10, -2), 'base64').toString('utf8')).join('');
    expect(decoded).toBe('Sakura Market お客様の声');
  });

  it('quotes an ASCII display name and never lets one inject a header', () => {
    expect(mailbox('a@b.example', 'Support "Team"')).toBe('"Support \\"Team\\"" <a@b.example>');
    expect(mailbox('a@b.example', 'x\r\nBcc: y@evil')).toBe('"x Bcc: y@evil" <a@b.example>');
  });
});
