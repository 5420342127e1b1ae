/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The SPA is served by the backend at `/`; in development, `npm run dev` proxies the API to a
// running `folio serve`.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    // No inline scripts or styles anywhere: the backend's Content-Security-Policy forbids them.
    assetsInlineLimit: 0,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test-setup.ts'],
  },
});
