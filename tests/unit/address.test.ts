import { describe, expect, it } from 'vitest';
import { normalizeAddress } from '../../shared/domain/address.ts';
import { suppressionKey } from '../../shared/repository/notice-item.ts';

describe('address normalization for limits and suppression', () => {
  it.each([
    ['victim@example.com', 'victim@example.com'],
    ['Victim@Example.COM', 'victim@example.com'],
    ['  victim@example.com \n', 'victim@example.com'],
    ['victim+1@example.com', 'victim@example.com'],
    ['Victim+2@example.com', 'victim@example.com'],
    ['victim+a+b@example.com', 'victim@example.com'],
    ['victim+@example.com', 'victim@example.com'],
    ['first.last@example.com', 'first.last@example.com'],
    ['first.last+x@example.com', 'first.last@example.com'],
    ['First.Last@gmail.com', 'firstlast@gmail.com'],
    ['f.i.r.s.t+news@gmail.com', 'first@gmail.com'],
    ['first.last@googlemail.com', 'firstlast@gmail.com'],
    ['first.last@mail.gmail.com.example', 'first.last@mail.gmail.com.example'],
    ['user@例え.jp', 'user@xn--r8jz45g.jp'],
    ['user@XN--R8JZ45G.jp', 'user@xn--r8jz45g.jp'],
    ['user+tag@bücher.example', 'user@xn--bcher-kva.example'],
    ['ユーザー@例え.テスト', 'ユーザー@xn--r8jz45g.xn--zckzah'],
    ['"john+doe"@example.com', '"john+doe"@example.com'],
    ['"John.Doe"@Example.com', '"john.doe"@example.com'],
    ['"a@b"@example.com', '"a@b"@example.com'],
    ['user@example.com.', 'user@example.com'],
    ['+only@example.com', '+only@example.com'],
    ['not-an-address', 'not-an-address'],
  ])('normalizes %j to %j', (given, expected) => {
    expect(normalizeAddress(given)).toBe(expected);
  });

  it('suppresses every plus-tag variant of an unsubscribed address', () => {
    expect(suppressionKey('Victim+2@example.com')).toEqual(suppressionKey('victim@example.com'));
    expect(suppressionKey('victim@example.com')).not.toEqual(suppressionKey('victim2@example.com'));
  });
});
