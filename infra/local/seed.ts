/**
 * `npm run seed`: fills a running local stack (`npm start`) with twelve weeks of plausible ja/en
 * history through its public APIs only, so the console and `GET /v1/trends` show lines, not an
 * empty chart (docs/local.md#seed). Hour by hour of virtual time: feedback through the widget's
 * endpoint with the site key, journey events (purchases, deliveries, cancellations) with the
 * server key, staff acknowledging and resolving some of the cases, and `POST /__local/clock` one
 * hour at a time (`stepMinutes: 60`), so the scheduled jobs run once per virtual hour.
 *
 * Deterministic for a given start (a seeded generator); ids carry the start time, so seeding twice
 * adds a second history after the first. `CLOSELOOP_URL` (default `http://localhost:$PORT`, 3000).
 */

const base = process.env.CLOSELOOP_URL ?? `http://localhost:${process.env.PORT ?? 3000}`;
const WEEKS = Number(process.env.SEED_WEEKS ?? 12);

interface LocalSite {
  siteId: string;
  siteKey: string;
  serverKey: string;
  origins: string[];
}

/** mulberry32: small, seeded, good enough for demo data. */
function generator(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  return { next, pick, chance: (p: number) => next() < p };
}

const comments = {
  ja: {
    bad: [
      '支払い方法が選べませんでした',
      '配送が遅れて届きませんでした',
      'クーポンが使えない',
      'ログインできない',
      '商品説明が分かりにくい',
      '二重請求されています',
    ],
    good: ['とても使いやすかったです', '配送が早くて助かりました', 'サポートの対応が丁寧でした'],
  },
  en: {
    bad: [
      'My card was declined at checkout',
      'The delivery was late',
      'The coupon did not apply',
      'I could not log in',
      'The site is hard to use on my phone',
    ],
    good: ['Quick and easy checkout', 'Arrived a day early, thanks', 'Helpful support chat'],
  },
} as const;

const touchpoints = [
  'checkout_abandonment',
  'delivery',
  'post_purchase',
  'support_chat',
  'account_creation',
  'product_use',
] as const;
const reasons = [
  'price_too_high',
  'shipping_problem',
  'payment_method_unavailable',
  'insufficient_product_info',
  'site_hard_to_use',
  'other',
] as const;

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

async function main() {
  const health = await call('GET', '/health').catch(() => undefined);
  if (health?.status !== 200) {
    console.error(`No local stack answers at ${base}: start one with \`npm start\` first.`);
    process.exit(1);
  }
  const sites = (await call('GET', '/__local/sites')).body as LocalSite[];
  const start = new Date(health.body.now as string);
  const run = start.getTime().toString(36);
  const rnd = generator(start.getTime() % 2 ** 31);
  const adminToken = async () =>
    ((await call('GET', '/__local/token?admin=1')).body as { token: string }).token;
  const counts = { feedback: 0, events: 0, acknowledged: 0, resolved: 0 };
  let n = 0;
  const started = performance.now();

  const postFeedback = async (hourOfRun: number) => {
    const site = rnd.chance(0.8) ? sites[0]! : (sites.find((s) => s.siteId.endsWith('-en')) ?? sites[0]!);
    const locale = site.siteId.endsWith('-en') ? 'en' : 'ja';
    const touchpoint = rnd.pick(touchpoints);
    // A slow drift: delivery gets worse in the second half, checkout better.
    const drift =
      touchpoint === 'delivery'
        ? hourOfRun / (WEEKS * 168)
        : touchpoint === 'checkout_abandonment'
          ? -0.2
          : 0;
    const unhappy = rnd.chance(Math.min(0.9, Math.max(0.05, 0.3 + drift)));
    const scale = rnd.pick(['nps', 'nps', 'csat', 'ces'] as const);
    const score =
      scale === 'nps'
        ? unhappy
          ? Math.floor(rnd.next() * 7)
          : 7 + Math.floor(rnd.next() * 4)
        : scale === 'csat'
          ? unhappy
            ? 1 + Math.floor(rnd.next() * 2)
            : 4 + Math.floor(rnd.next() * 2)
          : unhappy
            ? 1 + Math.floor(rnd.next() * 3)
            : 5 + Math.floor(rnd.next() * 3);
    const withComment = rnd.chance(0.6);
    const body = {
      siteId: site.siteId,
      touchpoint,
      channel: rnd.pick(['web', 'web', 'app', 'chat'] as const),
      rating: { type: scale, score },
      ...(withComment ? { comment: rnd.pick(comments[locale][unhappy ? 'bad' : 'good']) } : {}),
      ...(unhappy && rnd.chance(0.6) ? { reasons: [rnd.pick(reasons)] } : {}),
      customer: {
        locale,
        // Some customers are new, some have been for years (their cohort).
        since: new Date(
          start.getTime() + hourOfRun * 3_600_000 - Math.floor(rnd.next() ** 2 * 900) * 86_400_000,
        )
          .toISOString()
          .slice(0, 10),
      },
    };
    const answer = await call('POST', '/v1/feedback', body, {
      'x-site-key': site.siteKey,
      origin: site.origins[0]!,
      'idempotency-key': `seed-${run}-${++n}`,
    });
    if (answer.status === 202) counts.feedback++;
    else console.warn(`feedback answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  };

  const postEvent = async (now: Date) => {
    const site = sites[0]!;
    const type = rnd.pick([
      'purchase_completed',
      'order_delivered',
      'order_delivered',
      'subscription_cancelled',
    ] as const);
    const id = ++n;
    const answer = await call(
      'POST',
      '/v1/events',
      {
        siteId: site.siteId,
        eventId: `seed-${run}-${id}`,
        type,
        occurredAt: now.toISOString(),
        customer: {
          email: `seed-${run}-${id % 97}@example.jp`,
          locale: 'ja',
          contactConsent: rnd.chance(0.5),
          ...(rnd.chance(0.7)
            ? { since: `20${rnd.pick(['24', '25', '26'])}-0${1 + Math.floor(rnd.next() * 9)}-15` }
            : {}),
        },
        ...(type === 'subscription_cancelled' && rnd.chance(0.8)
          ? {
              data: {
                reasons: [rnd.pick(['price_too_high', 'other', 'insufficient_product_info'] as const)],
              },
            }
          : {}),
      },
      { 'x-server-key': site.serverKey },
    );
    if (answer.status === 202) counts.events++;
    else console.warn(`event answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  };

  /** Staff work some of the open cases: acknowledge most, resolve about half. */
  const actOnCases = async () => {
    const auth = { authorization: `Bearer ${await adminToken()}` };
    const open = await call('GET', '/v1/cases?status=open,acknowledged&limit=50', undefined, auth);
    for (const c of (open.body?.items ?? []) as { caseId: string; status: string; version: number }[]) {
      if (!rnd.chance(0.5)) continue;
      const ifMatch = { ...auth, 'if-match': String(c.version) };
      if (c.status === 'open') {
        const ack = await call('POST', `/v1/cases/${c.caseId}/acknowledge`, {}, ifMatch);
        if (ack.status === 200) counts.acknowledged++;
      } else if (rnd.chance(0.6)) {
        const resolved = await call(
          'POST',
          `/v1/cases/${c.caseId}/resolve`,
          {
            customerMessage: 'ご不便をおかけしました。対応が完了しました。',
            rootCause: 'seeded history',
            actions: { internal: ['checked'], external: [] },
          },
          ifMatch,
        );
        if (resolved.status === 200) counts.resolved++;
      }
    }
  };

  console.log(`Seeding ${WEEKS} weeks into ${base}, from ${start.toISOString()} (virtual clock)…`);
  const hours = WEEKS * 7 * 24;
  for (let h = 0; h < hours; h++) {
    const now = new Date(start.getTime() + h * 3_600_000);
    // Busier in the Japanese day than at night.
    const hourJst = (now.getUTCHours() + 9) % 24;
    const rate = hourJst >= 9 && hourJst < 23 ? 1.4 : 0.2;
    const arrivals = Math.floor(rate + rnd.next() * rate);
    for (let i = 0; i < arrivals; i++) await postFeedback(h);
    if (rnd.chance(0.35)) await postEvent(now);
    if (hourJst >= 10 && hourJst < 19 && h % 3 === 0) await actOnCases();
    const moved = await call('POST', '/__local/clock', { advanceMinutes: 60, stepMinutes: 60 });
    if (moved.status !== 200) throw new Error(`POST /__local/clock answered ${moved.status}`);
    if ((h + 1) % 24 === 0) {
      const day = (h + 1) / 24;
      const bar = '#'.repeat(Math.round((day / (WEEKS * 7)) * 30)).padEnd(30, '.');
      process.stdout.write(
        `\r[${bar}] week ${Math.ceil(day / 7)}/${WEEKS}, day ${day}: ${counts.feedback} feedback, ${counts.events} events, ${counts.acknowledged} acknowledged, ${counts.resolved} resolved (${Math.round((performance.now() - started) / 1000)} s)`,
      );
    }
  }
  process.stdout.write('\n');
  console.log(
    `Done: the virtual clock is at ${new Date(start.getTime() + hours * 3_600_000).toISOString()}.`,
  );
  console.log(`Open ${base}/console/ or GET ${base}/v1/trends?metric=nps&groupBy=touchpoint`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
