import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';

export interface CertificateData {
  serialNumber: string;
  model: string;
  securityCode: string;
  macAddress: string;
}

/** What the QR code holds: serial and code, so a phone can fill both fields at once. */
export function certificateQrText(data: CertificateData): string {
  return `LATCHKEY:SN=${data.serialNumber};CODE=${data.securityCode}`;
}

/** Renders the certificate of ownership that ships in the box (A5, one page). */
export async function renderCertificate(data: CertificateData): Promise<Buffer> {
  const qr = await QRCode.toBuffer(certificateQrText(data), {
    errorCorrectionLevel: 'M',
    margin: 1,
    scale: 6,
  });
  const doc = new PDFDocument({
    size: 'A5',
    margin: 40,
    info: { Title: `Certificate of ownership ${data.serialNumber}`, Author: 'Latchkey' },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.font('Helvetica-Bold').fontSize(20).text('CERTIFICATE OF OWNERSHIP', { align: 'center' });
  doc.moveDown(0.5);
  doc.font('Helvetica').fontSize(10).text('Keep this certificate: it proves you hold the device.', {
    align: 'center',
  });
  doc.moveDown(1.5);
  const row = (label: string, value: string) => {
    doc.font('Helvetica').fontSize(10).fillColor('#555').text(label);
    doc.font('Helvetica-Bold').fontSize(16).fillColor('#000').text(value);
    doc.moveDown(0.6);
  };
  row('Model', data.model);
  row('Serial number', data.serialNumber);
  row('MAC address', data.macAddress);
  row('Security code', data.securityCode);
  doc.image(qr, doc.page.width / 2 - 70, doc.y + 5, { width: 140 });
  doc.y += 160;
  doc
    .font('Helvetica')
    .fontSize(8)
    .fillColor('#333')
    .text(
      'To add the device to your site, enter the serial number and the security code in the cloud portal, or scan the QR code. ' +
        'A new security code can be generated in the device web interface (System > Auto Provisioning > Generate New, or ' +
        'Integration > Autoprovisioning > My2N); the code printed here then no longer works.',
      { align: 'center' },
    );
  doc.end();
  return done;
}
