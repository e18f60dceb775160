/** A customer's data for erasure (shared/domain/staff-ports.ts): found by the erasure index. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CustomerDataStore } from '../domain/staff-ports.ts';
import { feedbackKey } from '../repository/feedback-item.ts';
import { contactLogPk, invitationIdOfPk, invitationKey } from '../repository/invitation-item.ts';
import { unsubscribeKeyKey } from '../repository/notice-item.ts';
import { outboxKey } from '../repository/outbox.ts';
import { table } from '../table.ts';
import { dynamoContactStore } from './contact-store.ts';
import { customerIndexKeys, deleteKeys, queryAll, updateIf } from './dynamo.ts';

export function dynamoCustomerData(db: DynamoDBDocumentClient, tableName: string): CustomerDataStore {
  const index = table.customerIndex;
  const contacts = dynamoContactStore(db, tableName);
  return {
    eraseContact: (ref) => contacts.erase(ref),

    async eraseJourneys(customerHash, contactKeys) {
      const indexed = await customerIndexKeys(db, tableName, customerHash);
      const keys: { pk: string; sk: string }[] = [];
      for (const item of indexed) {
        const pk = String(item.pk);
        if (pk.startsWith('JEVENT#')) keys.push({ pk, sk: String(item.sk) });
        if (pk.startsWith(invitationKey('').pk)) {
          const invitationId = invitationIdOfPk(pk);
          keys.push(invitationKey(invitationId), unsubscribeKeyKey(invitationId));
          for (const step of ['invite', 'remind']) {
            keys.push(outboxKey(`notice:${invitationId}:customer_survey_invitation:${step}`));
          }
        }
      }
      for (const contactKey of contactKeys) {
        const logged = await queryAll(db, {
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': contactLogPk(contactKey) },
          ProjectionExpression: 'pk, sk',
        });
        keys.push(...logged.map((i) => ({ pk: String(i.pk), sk: String(i.sk) })));
      }
      await deleteKeys(db, tableName, keys);
      return keys.length;
    },

    async feedbackIdsOf(customerHash) {
      const items = await customerIndexKeys(db, tableName, customerHash);
      return items
        .filter((i) => i.sk === feedbackKey('').sk && typeof i.pk === 'string')
        .map((i) => (i.pk as string).slice(feedbackKey('').pk.length));
    },

    async eraseFeedback(feedbackId, at) {
      const erased = await updateIf(db, {
        TableName: tableName,
        Key: feedbackKey(feedbackId),
        UpdateExpression:
          'SET erasedAt = :at REMOVE #customer.#email, #customer.#name, #comment, #context, #hash',
        ConditionExpression: 'attribute_exists(pk) AND attribute_exists(#customer)',
        ExpressionAttributeNames: {
          '#customer': 'customer',
          '#email': 'email',
          '#name': 'name',
          '#comment': 'comment',
          '#context': 'context',
          '#hash': index.partitionKey,
        },
        ExpressionAttributeValues: { ':at': at.toISOString() },
      });
      return erased ? 'erased' : 'missing';
    },
  };
}
