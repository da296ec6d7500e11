import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AccessEventMessage } from '../../src/core/link.protocol.ts';
import { AccessEventsBuffer } from '../../src/device/link/access-events.buffer.ts';

const event = (n: number): AccessEventMessage => ({
  type: 'access',
  at: new Date(n * 1000).toISOString(),
  granted: true,
  credential: 'pin',
  accessPoint: 1,
  switch: 1,
});

test('keeps the newest door events up to its bound, oldest first, and empties when drained', () => {
  const buffer = new AccessEventsBuffer(3);
  for (let n = 1; n <= 5; n++) buffer.hold(event(n));
  assert.equal(buffer.size, 3);
  assert.deepEqual(buffer.drain(), [event(3), event(4), event(5)]);
  assert.equal(buffer.size, 0);
  assert.deepEqual(buffer.drain(), []);
});
