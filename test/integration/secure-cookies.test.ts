import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import { registerAccount, uniqueEmail } from '../helpers/factories.ts';
import { ApiClient } from '../helpers/http.ts';

/** The attributes of the session cookie set by register, login and logout. */
async function sessionCookies(cloud: TestCloud, headers: Record<string, string> = {}) {
  const account = await registerAccount(cloud, { email: uniqueEmail() }, {});
  const attributesOf = (response: { headers: Headers }) => {
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith('latchkey_session='));
    assert.ok(cookie, 'a session cookie is set');
    return cookie
      .split(';')
      .slice(1)
      .map((a) => a.trim().toLowerCase());
  };
  const client = new ApiClient(cloud.url);
  const register = await client.post(
    '/api/auth/register',
    { email: uniqueEmail(), password: 'correct horse battery staple', name: 'Ada' },
    { headers },
  );
  assert.equal(register.status, 201, register.text);
  const login = await new ApiClient(cloud.url).post(
    '/api/auth/login',
    { email: account.email, password: account.password },
    { headers },
  );
  assert.equal(login.status, 200, login.text);
  const logout = await client.post('/api/auth/logout', undefined, { headers });
  assert.equal(logout.status, 204, logout.text);
  return [attributesOf(register), attributesOf(login), attributesOf(logout)];
}

const HTTPS_PROXY = { 'x-forwarded-proto': 'https' };

for (const dialect of testDialects) {
  describe(`the session cookie (${dialect.name})`, () => {
    it('is Secure behind the trusted proxy when X-Forwarded-Proto is https, and not over plain HTTP', async (t) => {
      const cloud = await startTestCloud(t, dialect, { trustProxy: true });
      const [register, login, logout] = await sessionCookies(cloud, HTTPS_PROXY);
      for (const attributes of [register!, login!]) {
        assert.ok(attributes.includes('secure'), attributes.join('; '));
        assert.ok(attributes.includes('httponly'));
        assert.ok(attributes.includes('samesite=lax'));
      }
      assert.ok(logout!.includes('secure'), logout!.join('; '));
      for (const attributes of await sessionCookies(cloud)) {
        assert.ok(!attributes.includes('secure'), attributes.join('; '));
      }
      for (const attributes of await sessionCookies(cloud, { 'x-forwarded-proto': 'http' })) {
        assert.ok(!attributes.includes('secure'), attributes.join('; '));
      }
    });

    it('ignores X-Forwarded-Proto without trust-proxy (a client cannot claim HTTPS)', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      for (const attributes of await sessionCookies(cloud, HTTPS_PROXY)) {
        assert.ok(!attributes.includes('secure'), attributes.join('; '));
      }
    });

    it('is always Secure with secureCookies (serve --secure-cookies)', async (t) => {
      const cloud = await startTestCloud(t, dialect, { secureCookies: true });
      for (const attributes of await sessionCookies(cloud)) {
        assert.ok(attributes.includes('secure'), attributes.join('; '));
      }
    });
  });
}
