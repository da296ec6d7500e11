import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { adminWithPassword, startTestDevice, type AdminClient } from './helpers.ts';

interface NetworkForm {
  dhcp: boolean;
  ipAddress?: string;
  netmask?: string;
  gateway?: string;
  dns1?: string;
  dns2?: string;
}

/** Bad settings, each with the field that both interfaces must name. */
const BAD: Array<{ name: string; settings: NetworkForm; field: string; message: RegExp }> = [
  {
    name: 'an octet above 255',
    settings: { dhcp: false, ipAddress: '999.1.1.1', netmask: '255.255.255.0' },
    field: 'ipAddress',
    message: /"999\.1\.1\.1" is not an IPv4 address/,
  },
  {
    name: 'a static address without a netmask',
    settings: { dhcp: false, ipAddress: '192.168.1.50' },
    field: 'netmask',
    message: /Enter the network mask/,
  },
  {
    name: 'a static setting without an address',
    settings: { dhcp: false, netmask: '255.255.255.0' },
    field: 'ipAddress',
    message: /Enter the IP address/,
  },
  {
    name: 'a mask whose ones are not contiguous',
    settings: { dhcp: false, ipAddress: '192.168.1.50', netmask: '255.0.255.0' },
    field: 'netmask',
    message: /not a mask/,
  },
  {
    name: 'a gateway with five parts',
    settings: {
      dhcp: false,
      ipAddress: '192.168.1.50',
      netmask: '255.255.255.0',
      gateway: '192.168.1.1.1',
    },
    field: 'gateway',
    message: /Default gateway: .* is not an IPv4 address/,
  },
  {
    name: 'a DNS server given by name, with DHCP',
    settings: { dhcp: true, dns1: 'dns.example.com' },
    field: 'dns1',
    message: /Primary DNS: .* is not an IPv4 address/,
  },
  {
    name: 'an address with a leading zero',
    settings: { dhcp: false, ipAddress: '192.168.01.50', netmask: '255.255.255.0' },
    field: 'ipAddress',
    message: /not an IPv4 address/,
  },
];

const unescape = (text: string) =>
  text
    .trim()
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** Posts System → Network as a browser does, with the session the admin API opened. */
async function postClassicNetwork(url: string, admin: AdminClient, settings: NetworkForm) {
  const form = new URLSearchParams({
    _csrf: admin.csrfToken,
    mode: settings.dhcp ? 'dhcp' : 'static',
    ipAddress: settings.ipAddress ?? '',
    netmask: settings.netmask ?? '',
    gateway: settings.gateway ?? '',
    dns1: settings.dns1 ?? '',
    dns2: settings.dns2 ?? '',
  });
  const response = await fetch(`${url}/classic/system/network`, {
    method: 'POST',
    headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    redirect: 'manual',
  });
  return { status: response.status, text: await response.text() };
}

/** The message the classic page shows beside the input of `field`, or null. */
function classicFieldError(page: string, field: string): string | null {
  const message = new RegExp(`<p class="error" id="network-${field}-error">([^<]*)</p>`).exec(
    page,
  )?.[1];
  return message === undefined ? null : unescape(message);
}

describe('network rules: one service behind both interfaces', () => {
  it('the classic form and the admin API refuse the same bad settings, name the same field, and change nothing', async (t) => {
    const { url, device, dataDir } = await startTestDevice(t);
    const admin = await adminWithPassword(url);
    const networkBefore = structuredClone(device.config.current.network);
    const fileBefore = await readFile(join(dataDir, 'config.xml'), 'utf8');

    for (const c of BAD) {
      const json = await admin.json<{ error: { code: string; field?: string; message: string } }>(
        'PUT',
        '/admin/api/network',
        {
          ipAddress: '',
          netmask: '',
          gateway: '',
          dns1: '',
          dns2: '',
          ...c.settings,
        },
      );
      assert.equal(json.status, 400, `admin API, ${c.name}`);
      assert.equal(json.body.error.code, 'VALIDATION_FAILED', `admin API, ${c.name}`);
      assert.equal(json.body.error.field, c.field, `admin API names the field, ${c.name}`);
      assert.match(json.body.error.message, c.message, `admin API, ${c.name}`);

      const page = await postClassicNetwork(url, admin, c.settings);
      assert.equal(page.status, 400, `classic form, ${c.name}`);
      const shown = classicFieldError(page.text, c.field);
      assert.ok(shown, `classic form shows the message beside ${c.field}, ${c.name}`);
      assert.equal(shown, json.body.error.message, `the same sentence in both, ${c.name}`);

      assert.deepEqual(device.config.current.network, networkBefore, `unchanged, ${c.name}`);
      assert.equal(
        await readFile(join(dataDir, 'config.xml'), 'utf8'),
        fileBefore,
        `config.xml unchanged, ${c.name}`,
      );
    }
  });

  it('a static address saved in the classic form is what the admin API then reports, and back', async (t) => {
    const { url } = await startTestDevice(t);
    const admin = await adminWithPassword(url);
    const saved = await postClassicNetwork(url, admin, {
      dhcp: false,
      ipAddress: ' 10.0.0.2 ',
      netmask: '255.0.0.0',
      gateway: '10.0.0.1',
    });
    assert.equal(saved.status, 303);
    const config = await admin.json<{ network: Record<string, unknown> }>(
      'GET',
      '/admin/api/config',
    );
    assert.equal(config.body.network.dhcp, false);
    assert.equal(config.body.network.ipAddress, '10.0.0.2', 'trimmed by the service');
    assert.equal(config.body.network.gateway, '10.0.0.1');

    const back = await admin.request('PUT', '/admin/api/network', { dhcp: true });
    assert.equal(back.status, 204);
    const page = await fetch(`${url}/classic/system/network`, {
      headers: { cookie: admin.cookie },
    });
    assert.match(await page.text(), /id="mode-dhcp"[^>]*checked/);
  });
});
