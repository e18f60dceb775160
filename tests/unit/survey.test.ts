import { gzipSync } from 'node:zlib';
import { beforeEach, describe, expect, it } from 'vitest';
import { answerSurvey, openSurvey, type SurveyDeps } from '../../core/invitations/answer.ts';
import { makeSurveyHandler } from '../../functions/survey/handler.ts';
import { surveyCss } from '../../functions/survey/page.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { loadConfigFile } from '../../shared/config/load.ts';
import type { Config } from '../../shared/config/schema.ts';
import { Forbidden, LinkExpired, LinkUsed, NotFound } from '../../shared/domain/errors.ts';
import { feedbackIdFor } from '../../shared/domain/feedback.ts';
import {
  contactKeyOf,
  type Invitation,
  type SurveySpec,
  surveyTokenOf,
} from '../../shared/domain/invitation.ts';
import { type Poster, posterTokenOf } from '../../shared/domain/poster.ts';
import { signLink } from '../../shared/domain/signed-link.ts';
import { parseSurveyAnswer } from '../../shared/domain/survey-answer.ts';
import type { HttpEvent } from '../../shared/http.ts';
import { httpEvent } from '../support/http-events.ts';
import { decodeQrSvg } from '../support/qr.ts';
import { MemoryFeedback, MemoryInvitations, MemoryPosters } from '../support/survey-fakes.ts';

const SECRET = 'k'.repeat(32);
const OLD_SECRET = 'o'.repeat(32);
const BASE = 'https://feedback.shop.example.jp';
const loaded = loadConfigFile('closeloop.config.example.json');
const config: Config = {
  ...loaded,
  invitations: {
    ...loaded.invitations,
    reviewUrls: { 'shop-jp': 'https://reviews.example.com/sakura?ref="mail"&x=<1>' },
  },
};

let clock: VirtualClock;
let invitations: MemoryInvitations;
let posters: MemoryPosters;
let feedback: MemoryFeedback;
let deps: SurveyDeps;

function invitation(over: Partial<Invitation> = {}): Invitation {
  const customer = {
    email: 'hanako@example.jp',
    name: 'Hanako <b>',
    locale: 'ja' as const,
    contactConsent: true,
  };
  return {
    invitationId: 'inv_ABCDEFGHIJKLMNOPQRSTUVWXYZ',
    siteId: 'shop-jp',
    eventId: 'evt-1',
    eventType: 'order_delivered',
    ruleId: 'delivered',
    touchpoint: 'delivery',
    survey: { type: 'nps', reasons: ['shipping_problem', 'price_too_high'], comment: true },
    customer,
    contactKey: contactKeyOf('shop-jp', customer),
    orderId: 'ORD-1001',
    emailed: true,
    askWeek: '2026-W49',
    status: 'sent',
    createdAt: '2026-12-01T00:00:00.000Z',
    sentAt: '2026-12-01T01:00:00.000Z',
    closesAt: '2026-12-15T01:00:00.000Z',
    version: 2,
    ...over,
  };
}

function seed(inv: Invitation): string {
  invitations.invitations.set(inv.invitationId, structuredClone(inv));
  return surveyTokenOf(inv, SECRET);
}

const poster: Poster = {
  posterId: 'AAAAAAAAAAAAAAAAAAAAAA',
  siteId: 'shop-jp',
  touchpoint: 'support_chat',
  survey: { type: 'csat', reasons: [], comment: true },
  createdAt: '2026-01-01T00:00:00.000Z',
  createdBy: 'aiko',
};

beforeEach(() => {
  clock = new VirtualClock(new Date('2026-12-02T03:00:00.000Z'));
  invitations = new MemoryInvitations();
  posters = new MemoryPosters();
  feedback = new MemoryFeedback();
  posters.byId.set(poster.posterId, poster);
  deps = {
    linkSecrets: async () => [SECRET, OLD_SECRET],
    invitations,
    posters,
    feedback,
    clock,
    config,
    newId: () => `id-${feedback.items.size}`,
  };
});

describe('parseSurveyAnswer', () => {
  const survey: SurveySpec = { type: 'nps', reasons: ['shipping_problem'], comment: true };

  it('takes a form score, known reasons once each and a trimmed comment', () => {
    expect(
      parseSurveyAnswer(
        { score: '3', reasons: ['shipping_problem', 'shipping_problem'], comment: ' late\r\n ' },
        survey,
      ),
    ).toEqual({ ok: true, answer: { score: 3, reasons: ['shipping_problem'], comment: 'late' } });
    expect(parseSurveyAnswer({ score: 10 }, survey)).toEqual({
      ok: true,
      answer: { score: 10, reasons: [] },
    });
  });

  it('names each problem: no score, out of range, not a number, unknown reason, comment too long, unknown field', () => {
    const issues = (fields: Record<string, unknown>, s = survey) => {
      const r = parseSurveyAnswer(fields, s);
      return r.ok ? [] : r.issues;
    };
    expect(issues({})).toEqual([{ path: 'score', message: 'is required' }]);
    expect(issues({ score: '11' })).toEqual([{ path: 'score', message: 'must be from 0 to 10' }]);
    expect(issues({ score: 0 }, { ...survey, type: 'csat' })).toEqual([
      { path: 'score', message: 'must be from 1 to 5' },
    ]);
    expect(issues({ score: '3.5' })).toEqual([{ path: 'score', message: 'must be a whole number' }]);
    expect(issues({ score: 3, reasons: ['shipping_problem', 'nope'] })).toEqual([
      { path: 'reasons[1]', message: 'unknown reason "nope"' },
    ]);
    expect(issues({ score: 3, comment: 'x'.repeat(4001) })).toEqual([
      { path: 'comment', message: 'must be at most 4000 characters' },
    ]);
    expect(issues({ score: 3, comment: 'hi' }, { ...survey, comment: false })).toEqual([
      { path: 'comment', message: 'this survey takes no comment' },
    ]);
    expect(issues({ score: 3, rating: 1 })).toEqual([{ path: '', message: 'unknown field: rating' }]);
  });
});

describe('answerSurvey', () => {
  it('answers in one change: the invitation answered, the contact state, a log line and the feedback', async () => {
    const inv = invitation();
    invitations.states.set(inv.contactKey, { sentAt: [inv.sentAt!], version: 4 });
    const token = seed(inv);
    const result = await answerSurvey(
      token,
      { score: '3', reasons: 'shipping_problem', comment: '遅い' },
      'email',
      deps,
    );

    const feedbackId = feedbackIdFor('shop-jp', `survey:${inv.invitationId}`);
    expect(result).toMatchObject({ outcome: 'answered', feedbackId, promoter: false });
    expect(invitations.applied).toHaveLength(1);
    const change = invitations.applied[0]!;
    expect(change.expectedVersion).toBe(2);
    expect(change.invitation).toMatchObject({
      status: 'answered',
      version: 3,
      answeredAt: clock.now().toISOString(),
      feedbackId,
    });
    expect(change.contact).toEqual({
      contactKey: inv.contactKey,
      state: { sentAt: [inv.sentAt], lastAnsweredAt: clock.now().toISOString(), version: 5 },
      expectedVersion: 4,
    });
    expect(change.log).toEqual([
      {
        at: clock.now().toISOString(),
        invitationId: inv.invitationId,
        what: 'answered',
        touchpoint: 'delivery',
      },
    ]);
    expect(change.feedback).toMatchObject({
      feedbackId,
      siteId: 'shop-jp',
      touchpoint: 'delivery',
      channel: 'email',
      rating: { type: 'nps', score: 3 },
      reasons: ['shipping_problem'],
      comment: '遅い',
      customer: { email: 'hanako@example.jp', name: 'Hanako <b>', locale: 'ja', contactConsent: true },
      context: { orderId: 'ORD-1001', invitationId: inv.invitationId },
      keyKind: 'server',
      receivedAt: clock.now().toISOString(),
    });
    expect(change.feedback?.bodyHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is single-use: a second answer is LinkUsed and stores nothing more', async () => {
    const token = seed(invitation());
    await answerSurvey(token, { score: 9 }, 'email', deps);
    await expect(answerSurvey(token, { score: 2 }, 'qr', deps)).rejects.toBeInstanceOf(LinkUsed);
    expect(invitations.feedback.size).toBe(1);
  });

  it('is closed past closesAt, or once expired (410), even with a token still in date', async () => {
    const token = seed(invitation());
    const backThen = clock.now().getTime();
    clock.advance(Date.parse('2026-12-15T01:00:00.000Z') - backThen);
    await expect(answerSurvey(token, { score: 5 }, 'email', deps)).rejects.toBeInstanceOf(LinkExpired);
    clock.advance(backThen - clock.now().getTime());
    const expired = seed(invitation({ invitationId: 'inv_ZZZZZZZZZZZZZZZZZZZZZZZZZZ', status: 'expired' }));
    await expect(answerSurvey(expired, { score: 5 }, 'email', deps)).rejects.toBeInstanceOf(LinkExpired);
    expect(invitations.feedback.size).toBe(0);
  });

  it('answers scheduled, issued and skipped invitations too (a QR code before the email, a printed code)', async () => {
    for (const [i, status] of (['scheduled', 'issued', 'skipped'] as const).entries()) {
      const token = seed(invitation({ invitationId: `inv_${String(i).repeat(26)}`, status }));
      await expect(answerSurvey(token, { score: 7 }, 'qr', deps)).resolves.toMatchObject({
        outcome: 'answered',
      });
    }
    expect([...invitations.feedback.values()].map((f) => f.channel)).toEqual(['qr', 'qr', 'qr']);
  });

  it('refuses forged (Forbidden), broken or foreign tokens and unknown invitations (NotFound)', async () => {
    const inv = invitation();
    seed(inv);
    await expect(
      answerSurvey(surveyTokenOf(inv, 'x'.repeat(32)), { score: 1 }, 'email', deps),
    ).rejects.toBeInstanceOf(Forbidden);
    await expect(openSurvey('not-a-token', deps)).rejects.toBeInstanceOf(NotFound);
    const acknowledge = signLink(
      { jti: inv.invitationId, act: 'acknowledge', caseId: 'case_1', memberId: 'm', exp: 2e9 },
      SECRET,
    );
    await expect(openSurvey(acknowledge, deps)).rejects.toBeInstanceOf(NotFound);
    const unknown = surveyTokenOf({ ...inv, invitationId: 'inv_YYYYYYYYYYYYYYYYYYYYYYYYYY' }, SECRET);
    await expect(openSurvey(unknown, deps)).rejects.toBeInstanceOf(NotFound);
    await expect(openSurvey('p_BBBBBBBBBBBBBBBBBBBBBB', deps)).rejects.toBeInstanceOf(NotFound);
  });

  it('verifies with the previous link secret (mailed before a rotation)', async () => {
    const inv = invitation();
    invitations.invitations.set(inv.invitationId, inv);
    await expect(openSurvey(surveyTokenOf(inv, OLD_SECRET), deps)).resolves.toMatchObject({
      kind: 'personal',
    });
  });

  it('answers again after losing a race to the sweep sending it; 409 after losing one to another answer', async () => {
    const inv = invitation({ status: 'scheduled', version: 1 });
    const token = seed(inv);
    let moved = false;
    invitations.beforeApply = () => {
      if (moved) return;
      moved = true;
      const now = invitations.invitations.get(inv.invitationId)!;
      invitations.invitations.set(inv.invitationId, { ...now, status: 'sent', version: 2 });
    };
    await expect(answerSurvey(token, { score: 8 }, 'qr', deps)).resolves.toMatchObject({
      outcome: 'answered',
    });
    expect(invitations.invitations.get(inv.invitationId)).toMatchObject({ status: 'answered', version: 3 });

    const other = invitation({ invitationId: 'inv_WWWWWWWWWWWWWWWWWWWWWWWWWW' });
    const otherToken = seed(other);
    invitations.beforeApply = () => {
      invitations.beforeApply = undefined;
      invitations.invitations.set(other.invitationId, { ...other, status: 'answered', version: 3 });
    };
    await expect(answerSurvey(otherToken, { score: 8 }, 'email', deps)).rejects.toBeInstanceOf(LinkUsed);
  });

  it('stores nothing for an invalid answer', async () => {
    const token = seed(invitation());
    const result = await answerSurvey(token, { score: '42' }, 'email', deps);
    expect(result).toMatchObject({ outcome: 'invalid', issues: [{ path: 'score' }] });
    expect(invitations.applied).toHaveLength(0);
  });

  it('takes a poster answer as anonymous qr feedback, as many times as it is scanned', async () => {
    const token = posterTokenOf(poster.posterId);
    await answerSurvey(token, { score: 2 }, 'email', deps);
    await answerSurvey(token, { score: 2 }, 'email', deps);
    const stored = [...feedback.items.values()];
    expect(stored).toHaveLength(2);
    expect(stored[0]).toMatchObject({
      siteId: 'shop-jp',
      touchpoint: 'support_chat',
      channel: 'qr',
      rating: { type: 'csat', score: 2 },
      context: { posterId: poster.posterId },
      keyKind: 'site',
    });
    expect(stored[0]?.customer).toBeUndefined();
  });
});

describe('the survey page', () => {
  const handler = () => makeSurveyHandler({ ...deps, config, publicBaseUrl: () => BASE });
  const get = (token: string, query: Record<string, string> = {}) =>
    handler()(withQuery(httpEvent({ method: 'GET', path: '/s/{token}' }), token, query));
  const post = (token: string, body: string, contentType = 'application/x-www-form-urlencoded', query = {}) =>
    handler()(
      withQuery(
        httpEvent({ method: 'POST', path: '/s/{token}', body, headers: { 'content-type': contentType } }),
        token,
        query,
      ),
    );

  it('shows the form in the invitation language with a strict CSP, and stamps it opened', async () => {
    const token = seed(invitation());
    const page = await get(token);
    expect(page.statusCode).toBe(200);
    const csp = page.headers['content-security-policy'];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).toContain("form-action 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).not.toContain('script');
    const html = page.body as string;
    expect(html).toContain('<html lang="ja">');
    expect(html).not.toContain('<script');
    expect(html).toContain('<legend>当店を友人や同僚にすすめる可能性');
    expect(html.match(/type="radio" [^>]*name="score"/g)).toHaveLength(11);
    expect(html).toContain('<span>配送の問題</span>');
    expect(html).toContain('<textarea id="comment" name="comment"');
    expect(html).toContain('<form method="post"');
    expect(invitations.invitations.get(invitation().invitationId)?.openedAt).toBe(clock.now().toISOString());
  });

  it('answers a detractor with thanks, and re-renders an out-of-range score as a 400 naming it', async () => {
    const token = seed(invitation({ customer: { ...invitation().customer, locale: 'en' } }));
    const bad = await post(token, 'score=11&reasons=shipping_problem&comment=%3Cscript%3Ex%3C%2Fscript%3E');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('Please choose a score from 0 to 10.');
    expect(bad.body).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(bad.body).not.toContain('<script>');
    expect(bad.body).toMatch(/value="shipping_problem" checked/);
    expect(invitations.feedback.size).toBe(0);

    const ok = await post(token, 'score=3&reasons=shipping_problem&comment=late');
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('Thank you for your answer');
    expect(ok.body).toContain('Our team will look into');
    expect(ok.body).not.toContain('Write a review');
    const again = await post(token, 'score=3');
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('Already answered');
  });

  it('shows a promoter the site review link, escaped', async () => {
    const token = seed(invitation());
    const page = await post(token, 'score=10', 'application/x-www-form-urlencoded', { via: 'qr' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(
      'href="https://reviews.example.com/sakura?ref=&quot;mail&quot;&amp;x=&lt;1&gt;"',
    );
    expect([...invitations.feedback.values()][0]?.channel).toBe('qr');
  });

  it('answers the problem pages: 403 forged, 404 unknown, 410 closed, 413 too large, 415 other types', async () => {
    const inv = invitation();
    seed(inv);
    expect((await get(surveyTokenOf(inv, 'x'.repeat(32)))).statusCode).toBe(403);
    expect((await get('p_CCCCCCCCCCCCCCCCCCCCCC')).statusCode).toBe(404);
    expect((await get('garbage')).statusCode).toBe(404);
    const tooLarge = await post(surveyTokenOf(inv, SECRET), `score=3&comment=${'x'.repeat(17_000)}`);
    expect(tooLarge.statusCode).toBe(413);
    expect((await post(surveyTokenOf(inv, SECRET), 'score=3', 'text/plain')).statusCode).toBe(415);
    clock.advance(Date.parse('2026-12-20T00:00:00.000Z') - clock.now().getTime());
    const closed = await get(surveyTokenOf(inv, SECRET));
    expect(closed.statusCode).toBe(410);
    expect(closed.body).toContain('回答期間が終了しました');
    expect(invitations.feedback.size).toBe(0);
  });

  it('takes JSON and answers JSON through the one error mapper', async () => {
    const token = seed(invitation());
    const bad = await post(token, JSON.stringify({ score: -1 }), 'application/json');
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body as string)).toEqual({
      error: 'validation_failed',
      issues: [{ path: 'score', message: 'must be from 0 to 10' }],
    });
    const ok = await post(token, JSON.stringify({ score: 9, comment: 'good' }), 'application/json');
    expect(JSON.parse(ok.body as string)).toMatchObject({ status: 'received', promoter: true });
    const used = await post(token, JSON.stringify({ score: 9 }), 'application/json');
    expect(used.statusCode).toBe(409);
    expect(JSON.parse(used.body as string)).toMatchObject({ error: 'link_used' });
  });

  it('serves a poster in its site language, English on ?lang=en', async () => {
    const token = posterTokenOf(poster.posterId);
    const ja = await get(token);
    expect(ja.body).toContain('<html lang="ja">');
    expect(ja.body).toContain('今回のご利用にどの程度満足されましたか');
    expect(ja.body?.match(/name="score"/g)).toHaveLength(5);
    const en = await get(token, { lang: 'en' });
    expect(en.body).toContain('How satisfied are you');
    const answered = await post(token, 'score=1', 'application/x-www-form-urlencoded', { lang: 'en' });
    expect(answered.body).toContain('<html lang="en">');
  });

  it('serves a QR code that reads back as the page address with via=qr', async () => {
    const token = seed(invitation());
    const qr = await handler()(withQuery(httpEvent({ method: 'GET', path: '/s/{token}/qr.svg' }), token, {}));
    expect(qr.statusCode).toBe(200);
    expect(qr.headers['content-type']).toBe('image/svg+xml');
    expect(decodeQrSvg(qr.body as string)).toBe(`${BASE}/s/${token}?via=qr`);
    const forged = await handler()(
      withQuery(
        httpEvent({ method: 'GET', path: '/s/{token}/qr.svg' }),
        surveyTokenOf(invitation(), 'x'.repeat(32)),
        {},
      ),
    );
    expect(forged.statusCode).toBe(403);
  });

  it('is at most 15 KB gzipped with its CSS (and no script), even with every reason and an error', async () => {
    const token = seed(
      invitation({ survey: { type: 'nps', reasons: Object.keys(config.categories.reasons), comment: true } }),
    );
    const page = await post(token, `score=99&comment=${'あ'.repeat(4000)}`);
    expect(page.body).toContain(surveyCss);
    expect(gzipSync(page.body as string).length).toBeLessThanOrEqual(15 * 1024);
  });
});

function withQuery(event: HttpEvent, token: string, query: Record<string, string>): HttpEvent {
  return {
    ...event,
    rawPath: `/s/${token}`,
    pathParameters: { token },
    queryStringParameters: query,
    rawQueryString: new URLSearchParams(query).toString(),
  };
}
