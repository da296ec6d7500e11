import { firmwareImage, uploadFirmware } from '../../helpers/firmware.ts';
import { companyAdmin, companyMember, withSuccess, type RouteRule } from './role-rules.ts';

/** Each upload its own version, so that every allowed one adds an entry (201). */
let uploads = 0;

/**
 * Issue 19: every member sees the catalogue (they start rollouts); only company admins add to
 * it (the roles test runs the cloud with --firmware-uploads).
 */
export const firmwareRules: RouteRule[] = [
  {
    route: 'GET /api/firmware',
    send: (_f, _role, client) => client.get('/api/firmware'),
    expect: companyMember,
  },
  {
    route: 'POST /api/firmware',
    send: (_f, _role, client) => {
      uploads += 1;
      return uploadFirmware(client, firmwareImage(`1.0.${uploads}`, `build ${uploads}`));
    },
    expect: withSuccess(companyAdmin, 201),
  },
];
