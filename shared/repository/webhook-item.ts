/**
 * Key format of an outbound endpoint's state (docs/webhooks.md#delivery):
 * `WEBHOOK#<channel>:<id>` / `STATE` (`webhook:crm`, `slack`), written once the endpoint answered
 * 410 Gone. Its deliveries are dropped from then on, until an operator deletes the item. Kept for
 * good: it holds no personal data, and a deleted one would start the deliveries again.
 */
import type { EndpointRef, EndpointState } from '../domain/webhook-ports.ts';
import { itemTypes } from '../table.ts';

export const endpointName = (ref: EndpointRef) =>
  ref.channel === 'slack' ? 'slack' : `webhook:${ref.endpointId}`;

export const webhookEndpointKey = (ref: EndpointRef) => ({ pk: `WEBHOOK#${endpointName(ref)}`, sk: 'STATE' });

export const webhookEndpointToItem = (ref: EndpointRef, state: EndpointState) => ({
  ...webhookEndpointKey(ref),
  type: itemTypes.webhookEndpoint,
  endpoint: endpointName(ref),
  ...state,
});

export function webhookEndpointFromItem(item: Record<string, unknown>): EndpointState {
  const { pk: _pk, sk: _sk, type: _type, endpoint: _endpoint, ...state } = item;
  return state as unknown as EndpointState;
}
