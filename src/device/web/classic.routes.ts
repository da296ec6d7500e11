import type { FastifyInstance } from 'fastify';
import type { Device } from '../device.ts';
import { catalogMessage, deviceErrorCatalog } from '../device.error-catalog.ts';
import { classicKit, type ClassicPage } from './classic.kit.ts';
import { html } from './html.ts';
import { BASE, page, STYLESHEET } from './layout.ts';
import { autoProvisioningPage } from './pages/auto-provisioning.page.ts';
import { certificatesPage } from './pages/certificates.page.ts';
import { dateTimePage } from './pages/date-time.page.ts';
import { firmwarePage } from './pages/firmware.page.ts';
import { homePage } from './pages/home.page.ts';
import { loginPage } from './pages/login.page.ts';
import { maintenancePage } from './pages/maintenance.page.ts';
import { networkPage } from './pages/network.page.ts';
import { passwordPage } from './pages/password.page.ts';
import { systemPage } from './pages/system.page.ts';
import { usersPage } from './pages/users.page.ts';

/** Every page of the classic interface, one module each (web/pages/<page>.page.ts). */
const PAGES: readonly ClassicPage[] = [
  loginPage,
  passwordPage,
  homePage,
  systemPage,
  autoProvisioningPage,
  networkPage,
  dateTimePage,
  certificatesPage,
  usersPage,
  maintenancePage,
  firmwarePage,
];

/** The sentence an error page shows, by the catalog code the failure has. */
function errorPageMessage(tooBig: boolean, status: number): string {
  if (tooBig) return 'The form was too big for the device. Check the file you chose and try again.';
  if (status >= 500) return catalogMessage('INTERNAL');
  return 'The device could not read the form. Open the page again and repeat.';
}

/**
 * The classic web administration under /classic/: server-rendered pages that work without
 * JavaScript, laid out like the vendor's web interface (Home, System, Maintenance), over the
 * same services and the same admin sessions as the admin JSON API. This registrar adds what
 * all pages share (error page, stylesheet); each page module registers its own routes.
 */
export function classicWeb(device: Device) {
  return async function plugin(app: FastifyInstance): Promise<void> {
    const kit = classicKit(device);

    app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
      const tooBig = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.statusCode === 413;
      const status = tooBig
        ? deviceErrorCatalog.TOO_BIG.status
        : (error.statusCode ?? deviceErrorCatalog.INTERNAL.status);
      if (status >= 500) request.log.error({ err: error }, 'request failed');
      return kit.send(
        reply,
        page({
          title: 'Error',
          deviceName: kit.deviceName(),
          notice: { kind: 'error', text: errorPageMessage(tooBig, status) },
          body: html`<p><a href="${BASE}/">Back to Home</a></p>`,
        }),
        status,
      );
    });

    app.get(`${BASE}/classic.css`, (_request, reply) =>
      reply
        .type('text/css; charset=utf-8')
        .header('Cache-Control', 'max-age=3600')
        .send(STYLESHEET),
    );

    app.get(BASE, (_request, reply) => kit.redirect(reply, `${BASE}/`));

    for (const register of PAGES) register(app, kit);
  };
}
