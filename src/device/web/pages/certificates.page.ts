import { X509Certificate } from 'node:crypto';
import type { ClassicPage } from '../classic.kit.ts';
import { BASE } from '../layout.ts';
import { certificatesBody } from './certificates.template.ts';

/** System → Certificates: the device's self-signed HTTPS certificate, read-only. */
export const certificatesPage: ClassicPage = (app, kit) => {
  app.get(
    `${BASE}/system/certificates`,
    kit.guarded((ctx) => {
      const certificate = new X509Certificate(kit.device.config.current.certificate.certPem);
      return kit.render(ctx, {
        title: 'Certificates',
        tab: 'system',
        section: 'certificates',
        body: certificatesBody({
          subject: certificate.subject.replace(/\n/g, ', '),
          issuer: certificate.issuer.replace(/\n/g, ', '),
          validFrom: certificate.validFrom,
          validTo: certificate.validTo,
          fingerprint: certificate.fingerprint256,
        }),
      });
    }),
  );
};
