import {
  deviceErrorCatalog,
  type DeviceCatalogEntry,
} from '../../src/device/device.error-catalog.ts';

/** A Markdown table with its columns padded, as Prettier writes it (so the file passes --check). */
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, 3, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];
}

/** The Markdown reference of every error the device's web administration answers. */
export function renderDeviceErrorsDoc(): string {
  const entries = Object.entries(deviceErrorCatalog) as Array<[string, DeviceCatalogEntry]>;
  const lines = [
    '# Device web administration errors',
    '',
    'The emulated intercom answers errors in two families:',
    '',
    '- the vendor HTTP API under `/api/` keeps the numbered errors of the 2N HTTP API manual',
    '  (section 2.3, Replies to Requests) in its `{"success": false, "error": {"code", "param"?, "description", "hint"}}` envelope',
    '  (`src/device/device.errors.ts`, and `docs/http-api.md`);',
    '- the web administration, the admin JSON API under `/admin/api/` and the classic pages under `/classic/`,',
    '  answers the codes below. The admin API sends `{"error": {"code", "message", "field"?, "reason"?}}`;',
    '  `field` names the refused field, `reason` tells apart cases of one code (e.g. a restore).',
    '',
    'In a message, `{name}` stands for a value filled in when answering; `{hint}` is the sentence of the',
    'service that refused, saying what to change.',
    'This page is generated from `src/device/device.error-catalog.ts` by `node scripts/device-errors-doc.ts`;',
    'a test keeps it in step.',
    '',
    ...table(
      ['code', 'HTTP', 'message'],
      entries.map(([code, entry]) => [`\`${code}\``, String(entry.status), entry.message]),
    ),
    '',
  ];
  for (const [code, entry] of entries) {
    lines.push(`## ${code}`, '', `HTTP ${entry.status}. **${entry.message}**`, '', entry.cause, '');
    lines.push(`Classic interface: ${entry.classic}`, '');
  }
  return lines.join('\n');
}
