import type { RelayTargets } from '../../shared/domain/delivery-ports.ts';
import type { OutboxEntry } from '../../shared/domain/outbox.ts';
import { isForCustomer } from '../../shared/events/notice-requested.ts';

/**
 * Hands one outbox item to its target: the bus, or the customer or staff notify queue by the
 * notice's audience (the rule notify applies). The relay and the reconciler both send this way.
 */
export async function forwardOutbox(
  entry: Pick<OutboxEntry, 'target' | 'message'>,
  targets: RelayTargets,
): Promise<void> {
  if (entry.target === 'bus') await targets.publish(entry.message);
  else if (isForCustomer(entry.message)) await targets.notifyCustomer(entry.message);
  else await targets.notifyStaff(entry.message);
}
