import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { throttleKeyOf } from '../../src/core/client-address.rules.ts';

describe('throttle keys of client addresses', () => {
  it('keeps an IPv4 address as it is', () => {
    assert.equal(throttleKeyOf('203.0.113.9'), '203.0.113.9');
  });

  it('reads an IPv4-mapped IPv6 address as its IPv4 address, in either notation', () => {
    assert.equal(throttleKeyOf('::ffff:203.0.113.9'), '203.0.113.9');
    assert.equal(throttleKeyOf('::ffff:cb00:7109'), '203.0.113.9');
  });

  it('groups IPv6 addresses by their /64 network, however they are written', () => {
    for (const address of ['2001:db8:1:2::1', '2001:0db8:0001:0002:ffff:0:0:7', '2001:db8:1:2::']) {
      assert.equal(throttleKeyOf(address), '2001:db8:1:2::/64', address);
    }
    assert.notEqual(throttleKeyOf('2001:db8:1:3::1'), throttleKeyOf('2001:db8:1:2::1'));
  });

  it('leaves what is no IP address as it is', () => {
    for (const text of ['unknown', '1:2:3:4:5:6:7:8:9', '1::2::3', '300.1.1.1', '12345::1']) {
      assert.equal(throttleKeyOf(text), text);
    }
  });
});
