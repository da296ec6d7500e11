import { generate } from 'otplib';
import { DEFAULT_PASSWORD } from '../../helpers/factories.ts';
import { ApiClient } from '../../helpers/http.ts';
import type { Role, RouteRule } from './role-rules.ts';

const everyone = (status: number): Record<Role, number> => ({
  admin: status,
  siteAdmin: status,
  viewer: status,
  otherSite: status,
  stranger: status,
});

/** Each person's unused recovery codes, from the enable and regenerate answers. */
const recovery = new WeakMap<object, Map<Role, string[]>>();
const codesOf = (f: object, role: Role) => {
  if (!recovery.has(f)) recovery.set(f, new Map());
  const byRole = recovery.get(f)!;
  if (!byRole.has(role)) byRole.set(role, []);
  return byRole.get(role)!;
};

/**
 * Two-factor sign-in (the person's own account): run in order, each person sets it up,
 * turns it on, renews the recovery codes and turns it off again, so the later rules sign in
 * with a password alone.
 */
export const twoFactorRules: RouteRule[] = [
  {
    route: 'GET /api/me/two-factor',
    account: true,
    send: (_f, _role, client) => client.get('/api/me/two-factor'),
    expect: everyone(200),
  },
  {
    route: 'POST /api/me/two-factor/setup',
    account: true,
    send: (_f, _role, client) => client.post('/api/me/two-factor/setup'),
    expect: everyone(200),
  },
  {
    route: 'POST /api/me/two-factor/enable',
    account: true,
    send: async (f, role, client) => {
      const { secret } = (await client.post('/api/me/two-factor/setup')).body as {
        secret: string;
      };
      const answer = await client.post('/api/me/two-factor/enable', {
        code: await generate({ secret }),
      });
      codesOf(f, role).push(...((answer.body?.recoveryCodes as string[] | undefined) ?? []));
      return answer;
    },
    expect: everyone(200),
  },
  {
    route: 'POST /api/me/two-factor/recovery-codes',
    account: true,
    send: async (f, role, client) => {
      const codes = codesOf(f, role);
      const answer = await client.post('/api/me/two-factor/recovery-codes', {
        code: codes.splice(0, 10)[0],
      });
      codes.push(...((answer.body?.recoveryCodes as string[] | undefined) ?? []));
      return answer;
    },
    expect: everyone(200),
  },
  {
    route: 'POST /api/me/two-factor/disable',
    account: true,
    send: (f, role, client) =>
      client.post('/api/me/two-factor/disable', {
        password: DEFAULT_PASSWORD,
        code: codesOf(f, role).splice(0, 10)[0],
      }),
    expect: everyone(204),
  },
  {
    route: 'POST /api/auth/login/two-factor',
    public: true,
    send: (f) =>
      new ApiClient(f.cloud.url).post('/api/auth/login/two-factor', {
        challenge: 'not-a-challenge',
        code: '000000',
      }),
    expect: everyone(401),
  },
];
