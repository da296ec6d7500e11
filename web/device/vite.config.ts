import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The intercom's new web interface. `npm run build:device` writes web/device/dist, which the
 * emulator serves at `/` (src/device/spa.static.ts). `vite --config web/device/vite.config.ts`
 * serves it in development with /admin/api proxied to a device on LATCHKEY_DEVICE_URL.
 */
export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    proxy: {
      '/admin/api': process.env.LATCHKEY_DEVICE_URL ?? 'http://127.0.0.1:8081',
    },
  },
});
