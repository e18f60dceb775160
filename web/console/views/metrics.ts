/// <reference lib="dom" />
/**
 * Metrics: NPS and CSAT by touchpoint (or channel, team, reason) as bar charts, SLA attainment
 * against the configured targets, and every figure in a table, for a date range; by touchpoint,
 * also the survey invitations and widget prompts with their response rates.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  Legend,
  LinearScale,
  Tooltip,
} from 'chart.js';
import { api } from '../api.ts';
import { field, h, replace } from '../dom.ts';
import { formatPercent, label, type MessageKey, t } from '../i18n.ts';
import type { Metrics, MetricsGroup } from '../types.ts';
import { errorBox, heading, type ViewContext } from '../ui.ts';

// Only what the bar charts use, so the bundle carries nothing else of chart.js.
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const dimensions = ['touchpoint', 'channel', 'team', 'reason'] as const;
type Dimension = (typeof dimensions)[number];

const colors = { good: '#1f7a6d', bad: '#c2410c', actual: '#2456a6', target: '#b8c4d6', grid: '#e3e8ef' };

type Attainment = 'acknowledgedWithin2h' | 'acknowledgedWithin6h' | 'closedWithin48h' | 'loopClosedWithin72h';
const attainment: { key: Attainment; label: MessageKey }[] = [
  { key: 'acknowledgedWithin2h', label: 'ack2h' },
  { key: 'acknowledgedWithin6h', label: 'ack6h' },
  { key: 'closedWithin48h', label: 'closed48h' },
  { key: 'loopClosedWithin72h', label: 'loop72h' },
];

/** One share over every group, weighted by the cases each group opened. */
export function overallShare(groups: readonly MetricsGroup[], key: Attainment): number | null {
  let num = 0;
  let den = 0;
  for (const g of groups) {
    const share = g[key];
    if (share === null || g.cases === 0) continue;
    num += share * g.cases;
    den += g.cases;
  }
  return den > 0 ? num / den : null;
}

export async function metricsView(ctx: ViewContext): Promise<void> {
  const q = ctx.query;
  const groupBy = (dimensions as readonly string[]).includes(q.get('groupBy') ?? '')
    ? (q.get('groupBy') as Dimension)
    : 'touchpoint';
  replace(ctx.root, heading(t('metricsTitle')), h('p', {}, t('loading')));
  let metrics: Metrics;
  try {
    ({ data: metrics } = await api<Metrics>('GET', '/v1/metrics', {
      query: { groupBy, from: q.get('from') ?? undefined, to: q.get('to') ?? undefined },
    }));
  } catch (error) {
    replace(
      ctx.root,
      heading(t('metricsTitle')),
      rangeForm(ctx, groupBy, q.get('from') ?? '', q.get('to') ?? ''),
      errorBox(error),
    );
    return;
  }
  const group = t(`group_${groupBy}` as const);
  const groups = metrics.groups;
  const charts: HTMLElement[] = [];
  const made: Chart[] = [];
  const chart = (title: string, id: string, config: ChartConfiguration<'bar'>) => {
    const canvas = h('canvas', { role: 'img', 'aria-label': title, id });
    charts.push(
      h(
        'figure',
        { class: 'card chart' },
        h('figcaption', {}, title),
        h('div', { class: 'chart-box' }, canvas),
      ),
    );
    return () => made.push(new Chart(canvas, config));
  };
  const draws: (() => void)[] = [];
  if (groups.length > 0) {
    const labels = groups.map((g) => label(g.key));
    const nps = groups.map((g) => g.nps);
    draws.push(
      chart(t('npsChart', { group }), 'chart-nps', {
        type: 'bar',
        data: {
          labels,
          datasets: [
            {
              label: t('nps'),
              data: nps,
              backgroundColor: nps.map((v) => ((v ?? 0) >= 0 ? colors.good : colors.bad)),
            },
          ],
        },
        options: barOptions({ min: -100, max: 100 }),
      }),
      chart(t('csatChart', { group }), 'chart-csat', {
        type: 'bar',
        data: {
          labels,
          datasets: [
            {
              label: t('csat'),
              data: groups.map((g) => (g.csat === null ? null : g.csat * 100)),
              backgroundColor: colors.actual,
            },
          ],
        },
        options: barOptions({ min: 0, max: 100, percent: true }),
      }),
    );
    const shown = attainment.slice(0, 3);
    draws.push(
      chart(t('attainmentChart'), 'chart-attainment', {
        type: 'bar',
        data: {
          labels: shown.map((a) => t(a.label)),
          datasets: [
            {
              label: t('actual'),
              data: shown.map((a) => {
                const v = overallShare(groups, a.key);
                return v === null ? null : Math.round(v * 1000) / 10;
              }),
              backgroundColor: colors.actual,
            },
            {
              label: t('target'),
              data: shown.map((a) => metrics.targets[a.key] * 100),
              backgroundColor: colors.target,
            },
          ],
        },
        options: barOptions({ min: 0, max: 100, percent: true, legend: true }),
      }),
    );
  }

  replace(
    ctx.root,
    heading(t('metricsTitle')),
    rangeForm(ctx, groupBy, metrics.from, metrics.to),
    h('p', { class: 'muted' }, t('weeks', { from: metrics.weeks[0] ?? '', to: metrics.weeks.at(-1) ?? '' })),
    groups.length === 0
      ? h('p', { class: 'empty' }, t('noData'))
      : [
          h('div', { class: 'charts' }, charts),
          h('p', { class: 'muted' }, t('attainmentNote')),
          table(metrics, group),
          // The ask counters are kept per touchpoint only: other groupings would show zeros.
          groupBy === 'touchpoint'
            ? askTable(groups, group)
            : h('p', { class: 'muted' }, t('asksPerTouchpoint')),
        ],
  );
  for (const draw of draws) draw();
  ctx.onCleanup(() => {
    for (const c of made) c.destroy();
  });
}

function barOptions(o: {
  min: number;
  max: number;
  percent?: boolean;
  legend?: boolean;
}): ChartConfiguration<'bar'>['options'] {
  return {
    responsive: true,
    maintainAspectRatio: false,
    // No animation: the chart is complete at once (and screenshots are deterministic).
    animation: false,
    plugins: { legend: { display: o.legend ?? false } },
    scales: {
      y: {
        min: o.min,
        max: o.max,
        grid: { color: colors.grid },
        ticks: o.percent ? { callback: (v) => `${v}%` } : {},
      },
      x: { grid: { display: false } },
    },
  };
}

function rangeForm(ctx: ViewContext, groupBy: Dimension, from: string, to: string): HTMLElement {
  const fromInput = h('input', { type: 'date', name: 'from', value: from });
  const toInput = h('input', { type: 'date', name: 'to', value: to });
  const groupSelect = h(
    'select',
    { name: 'groupBy' },
    dimensions.map((d) => h('option', { value: d }, t(`group_${d}` as const))),
  );
  groupSelect.value = groupBy;
  return h(
    'form',
    {
      class: 'filters',
      on: {
        submit: (event) => {
          event.preventDefault();
          const next = new URLSearchParams({ groupBy: groupSelect.value });
          if (fromInput.value) next.set('from', fromInput.value);
          if (toInput.value) next.set('to', toInput.value);
          ctx.navigate(`#/metrics?${next}`);
        },
      },
    },
    field(t('from'), fromInput),
    field(t('to'), toInput),
    field(t('groupBy'), groupSelect),
    h('button', { type: 'submit' }, t('show')),
  );
}

function attainmentCell(share: number | null, target: number): HTMLElement {
  if (share === null) return h('td', { class: 'num muted' }, '—');
  const met = share >= target;
  return h(
    'td',
    { class: `num ${met ? 'met' : 'missed'}` },
    formatPercent(share),
    ' ',
    h('span', { class: 'mark' }, met ? `✓ ${t('met')}` : `✗ ${t('missed')}`),
  );
}

function table(metrics: Metrics, group: string): HTMLElement {
  return h(
    'table',
    { class: 'metrics' },
    h('caption', {}, t('metricsTable', { group })),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, group),
        h('th', { scope: 'col', class: 'num' }, t('responses')),
        h('th', { scope: 'col', class: 'num' }, t('nps')),
        h('th', { scope: 'col', class: 'num' }, t('csat')),
        h('th', { scope: 'col', class: 'num' }, t('cases')),
        attainment.map((a) =>
          h(
            'th',
            { scope: 'col', class: 'num' },
            t(a.label),
            h('br'),
            h('span', { class: 'muted' }, `${t('target')} ${formatPercent(metrics.targets[a.key])}`),
          ),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      metrics.groups.map((g) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, label(g.key)),
          h('td', { class: 'num' }, String(g.responses)),
          h('td', { class: 'num' }, g.nps === null ? '—' : String(g.nps)),
          h('td', { class: 'num' }, formatPercent(g.csat)),
          h('td', { class: 'num' }, String(g.cases)),
          attainment.map((a) => attainmentCell(g[a.key], metrics.targets[a.key])),
        ),
      ),
    ),
  );
}

/** Survey invitations (invited → opened → answered) and widget prompts, per touchpoint. */
function askTable(groups: readonly MetricsGroup[], group: string): HTMLElement {
  return h(
    'table',
    { class: 'asks' },
    h('caption', {}, t('asksTable', { group })),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, group),
        (
          [
            'askInvited',
            'askOpened',
            'askAnswered',
            'responseRate',
            'askPrompted',
            'promptResponseRate',
          ] as const
        ).map((key) => h('th', { scope: 'col', class: 'num' }, t(key))),
      ),
    ),
    h(
      'tbody',
      {},
      groups.map((g) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, label(g.key)),
          h('td', { class: 'num' }, String(g.invited)),
          h('td', { class: 'num' }, String(g.opened)),
          h('td', { class: 'num' }, String(g.answered)),
          h('td', { class: 'num' }, formatPercent(g.responseRate)),
          h('td', { class: 'num' }, String(g.prompted)),
          h('td', { class: 'num' }, formatPercent(g.promptResponseRate)),
        ),
      ),
    ),
  );
}
