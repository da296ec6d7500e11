import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkAccountPassword } from '../../src/core/password.rules.ts';

describe('account passwords', () => {
  it('accepts a long unusual password', () => {
    assert.equal(checkAccountPassword('correct horse battery', 'anna@example.com').ok, true);
  });

  it('refuses a short password and says how long it must be', () => {
    const result = checkAccountPassword('short', 'anna@example.com');
    assert.match(!result.ok ? result.message : '', /at least 10 characters/);
  });

  it('refuses common and repetitive passwords', () => {
    assert.equal(checkAccountPassword('password123', 'anna@example.com').ok, false);
    assert.equal(checkAccountPassword('abababababab', 'anna@example.com').ok, false);
  });

  it('refuses a password containing the e-mail name', () => {
    assert.equal(checkAccountPassword('annamaria-2026!', 'annamaria@example.com').ok, false);
  });
});
