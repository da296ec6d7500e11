import { PRIVILEGES } from '../../config.model.ts';
import { described, type AdminRoutes } from './admin.http.ts';
import { answers, configView, securityCodeView, systemView } from './admin.schemas.ts';

/**
 * What the device is and how it is set, read-only, and the My2N security code (vendor web
 * interface System → Auto Provisioning).
 *
 *   GET  /admin/api/system                   serial, model, MAC, firmware, uptime, cloud link
 *   GET  /admin/api/security-code            {serialNumber, securityCode, generation}
 *   POST /admin/api/security-code/generate   Generate New: the old code stops working
 *   GET  /admin/api/config                   the configuration without secrets
 */
export const registerSystemAdminApi: AdminRoutes = (app, device, guard) => {
  app.get(
    '/admin/api/system',
    described('system', 'What the device is, and its cloud link', {
      response: answers({ 200: systemView }),
    }),
    guard(() => ({
      serialNumber: device.identity.serialNumber,
      model: device.identity.model,
      macAddress: device.identity.macAddress,
      firmwareVersion: device.maintenance.firmwareVersion,
      upTime: device.upTime(),
      // Issue 17: the Auto Provisioning mode the cloud set, null while it is in no site.
      cloud: { ...device.cloud, configurationMode: device.cloud.configurationMode ?? null },
    })),
  );

  app.get(
    '/admin/api/security-code',
    described('system', 'The My2N security code', {
      response: answers({ 200: securityCodeView }),
    }),
    guard(() => device.securityCode.current()),
  );
  app.post(
    '/admin/api/security-code/generate',
    described('system', 'Generate a new security code: the old one stops working', {
      response: answers({ 200: securityCodeView }),
    }),
    guard(() => device.securityCode.generateNew()),
  );

  app.get(
    '/admin/api/config',
    described('system', 'The configuration, without secrets', {
      response: answers({ 200: configView }),
    }),
    guard(() => {
      const config = device.config.current;
      return {
        network: config.network,
        webServer: config.webServer,
        httpApi: {
          services: config.httpApi.services,
          accounts: device.accounts.apiAccounts(),
          privileges: PRIVILEGES,
        },
        switches: config.switches,
        audio: config.audio,
        display: config.display,
        directoryEntries: config.directory.users.length,
        certificate: { certPem: config.certificate.certPem },
      };
    }),
  );
};
