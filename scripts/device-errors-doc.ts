// Writes docs/device-errors.md from the device error catalog (src/device/device.error-catalog.ts);
// test/device/error-catalog.test.ts checks that the committed file matches.
import { writeFileSync } from 'node:fs';
import { renderDeviceErrorsDoc } from '../test/helpers/device-errors-doc.ts';

writeFileSync(new URL('../docs/device-errors.md', import.meta.url), renderDeviceErrorsDoc());
console.log('wrote docs/device-errors.md');
