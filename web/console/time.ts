/// <reference lib="dom" />
/**
 * Deadlines come from the server's clock. In AWS that is real time; the local stack runs a virtual
 * clock that `POST /__local/clock` moves ahead, so there the console reads the stack's time from
 * `GET /health` and counts down against it.
 */
import { t } from './i18n.ts';

let offsetMs = 0;

/** Now, on the server's clock (milliseconds since the epoch). */
export const serverNow = (): number => Date.now() + offsetMs;

/** Local stack only: aligns `serverNow` with the stack's virtual clock. */
export async function syncLocalClock(): Promise<void> {
  const before = Date.now();
  const response = await fetch('/health');
  if (!response.ok) return;
  const { now } = (await response.json()) as { now?: string };
  const at = now ? Date.parse(now) : Number.NaN;
  if (Number.isFinite(at)) offsetMs = at - (before + Date.now()) / 2;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `2d 03:04:05` (ja `2日 03:04:05`) / `03:04:05`: the span between now and a deadline, without a sign. */
export function formatSpan(ms: number): string {
  const total = Math.floor(Math.abs(ms) / 1000);
  const days = Math.floor(total / 86_400);
  const clock = `${pad(Math.floor((total % 86_400) / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
  return days > 0 ? `${t('days', { n: days })} ${clock}` : clock;
}

/**
 * Fills every `[data-deadline]` element under `root` with the time left (or how long overdue) and
 * keeps it current every second; answers a function that stops the ticking.
 */
export function startCountdowns(root: ParentNode): () => void {
  const tick = () => {
    const now = serverNow();
    for (const el of root.querySelectorAll<HTMLElement>('[data-deadline]')) {
      const left = Date.parse(el.dataset.deadline ?? '') - now;
      if (!Number.isFinite(left)) continue;
      const overdue = left < 0;
      el.classList.toggle('overdue', overdue);
      el.textContent = t(overdue ? 'overdue' : 'left', { time: formatSpan(left) });
    }
  };
  tick();
  const timer = setInterval(tick, 1000);
  return () => clearInterval(timer);
}
