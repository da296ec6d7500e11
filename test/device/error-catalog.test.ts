import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { LOGIN_MAX_FAILURES } from '../../src/device/accounts.service.ts';
import {
  catalogPattern,
  deviceErrorCatalog,
  type DeviceErrorCode,
} from '../../src/device/device.error-catalog.ts';
import { renderDeviceErrorsDoc } from '../helpers/device-errors-doc.ts';
import { AdminClient, adminWithPassword, startTestDevice } from './helpers.ts';

interface ErrorAnswer {
  status: number;
  body: { error: { code: string; message: string; field?: string } };
}

async function answer(response: Response): Promise<ErrorAnswer> {
  return { status: response.status, body: (await response.json()) as ErrorAnswer['body'] };
}

/** Asserts that an answer is the catalog's: status, code, and a message its pattern allows. */
function assertCatalog(code: DeviceErrorCode, got: ErrorAnswer): void {
  assert.equal(got.body.error.code, code, JSON.stringify(got.body));
  assert.equal(got.status, deviceErrorCatalog[code].status, code);
  assert.match(got.body.error.message, catalogPattern(code), code);
}

/** Codes no request from outside can cause on purpose. */
const NOT_PROVOKED: readonly DeviceErrorCode[] = ['INTERNAL'];

describe('device error catalog', () => {
  it('gives every code an error status, a message, a cause and what the classic interface shows', () => {
    for (const [code, entry] of Object.entries(deviceErrorCatalog)) {
      assert.match(code, /^[A-Z][A-Z_]+$/);
      assert.ok(entry.status >= 400 && entry.status < 600, code);
      assert.ok(entry.message && entry.cause && entry.classic, code);
    }
  });

  it('is documented in docs/device-errors.md as generated', () => {
    const committed = readFileSync(new URL('../../docs/device-errors.md', import.meta.url), 'utf8');
    assert.equal(
      committed,
      renderDeviceErrorsDoc(),
      'run "node scripts/device-errors-doc.ts" and commit the result',
    );
  });

  it('is what the admin API answers, code by code, with the documented status and message', async (t) => {
    const { url } = await startTestDevice(t);
    const seen = new Set<DeviceErrorCode>();
    const check = (code: DeviceErrorCode, got: ErrorAnswer) => {
      assertCatalog(code, got);
      seen.add(code);
    };

    check('LOGIN_REQUIRED', await answer(await fetch(`${url}/admin/api/system`)));
    check(
      'LOGIN_REQUIRED',
      await answer(
        await fetch(`${url}/admin/api/system`, { headers: { cookie: 'lk_device_session=stale' } }),
      ),
    );

    const fresh = new AdminClient(url);
    await fresh.login('2n');
    check(
      'PASSWORD_CHANGE_REQUIRED',
      await answer(await fresh.request('GET', '/admin/api/system')),
    );

    const admin = await adminWithPassword(url);
    const noToken = await fetch(`${url}/admin/api/restart`, {
      method: 'POST',
      headers: { cookie: admin.cookie },
    });
    check('CSRF_TOKEN_INVALID', await answer(noToken));
    const wrongToken = await fetch(`${url}/admin/api/restart`, {
      method: 'POST',
      headers: { cookie: admin.cookie, 'x-csrf-token': `${admin.csrfToken}x` },
    });
    check('CSRF_TOKEN_INVALID', await answer(wrongToken));

    const badNetwork = await answer(
      await admin.request('PUT', '/admin/api/network', {
        dhcp: false,
        ipAddress: '999.1.1.1',
        netmask: '255.255.255.0',
      }),
    );
    check('VALIDATION_FAILED', badNetwork);
    assert.equal(badNetwork.body.error.field, 'ipAddress');

    check(
      'NOTHING_PENDING',
      await answer(await admin.request('POST', '/admin/api/firmware/reject')),
    );

    const malformed = await fetch(`${url}/admin/api/network`, {
      method: 'PUT',
      headers: {
        cookie: admin.cookie,
        'x-csrf-token': admin.csrfToken,
        'content-type': 'application/json',
      },
      body: '{"dhcp": tru',
    });
    check('BAD_REQUEST', await answer(malformed));

    const huge = await fetch(`${url}/admin/api/network`, {
      method: 'PUT',
      headers: {
        cookie: admin.cookie,
        'x-csrf-token': admin.csrfToken,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ dhcp: true, dns1: 'x'.repeat(1100 * 1024) }),
    });
    check('TOO_BIG', await answer(huge));

    check('NOT_FOUND', await answer(await fetch(`${url}/admin/api/no-such-area`)));

    const guesser = new AdminClient(url);
    for (let attempt = 0; attempt < LOGIN_MAX_FAILURES; attempt++) {
      const wrong = await guesser.login('not-the-password');
      check('LOGIN_FAILED', { status: wrong.status, body: wrong.body as ErrorAnswer['body'] });
    }
    const blocked = await guesser.login('not-the-password');
    check('LOGIN_BLOCKED', { status: blocked.status, body: blocked.body as ErrorAnswer['body'] });

    const untested = Object.keys(deviceErrorCatalog).filter(
      (code) =>
        !seen.has(code as DeviceErrorCode) && !NOT_PROVOKED.includes(code as DeviceErrorCode),
    );
    assert.deepEqual(untested, [], 'every catalog code is answered by a real request');
  });

  it('is what the classic pages answer, as their documented redirect or status', async (t) => {
    const { url } = await startTestDevice(t);
    const noSession = await fetch(`${url}/classic/system`, { redirect: 'manual' });
    assert.equal(noSession.status, 303);
    assert.equal(noSession.headers.get('location'), '/classic/login');
    const stale = await fetch(`${url}/classic/system`, {
      redirect: 'manual',
      headers: { cookie: 'lk_device_session=stale' },
    });
    assert.equal(stale.headers.get('location'), '/classic/login?m=expired');

    const fresh = new AdminClient(url);
    await fresh.login('2n');
    const forced = await fetch(`${url}/classic/system`, {
      redirect: 'manual',
      headers: { cookie: fresh.cookie },
    });
    assert.equal(forced.headers.get('location'), '/classic/password');

    const admin = await adminWithPassword(url, 'classic-catalog-1');
    const forged = await fetch(`${url}/classic/maintenance/restart`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: '_csrf=forged',
    });
    assert.equal(forged.status, deviceErrorCatalog.CSRF_TOKEN_INVALID.status);
    assert.match(await forged.text(), /security token of your session/);
  });
});
