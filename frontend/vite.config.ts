// Vite: dev server, production build and `vite preview` (what `make up` serves on 5173).
// OTEL_BI_GATEWAY_URL is read by this server only (never bundled): where `/api` is proxied.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// Unset means same origin (index.html's preload of /api/config uses it).
process.env.VITE_API_BASE_URL ??= '';
const gateway = process.env.OTEL_BI_GATEWAY_URL ?? 'http://127.0.0.1:8000';
const proxy = { '/api': { target: gateway, changeOrigin: false } };

export default defineConfig({
  plugins: [react()],
  server: { host: '127.0.0.1', port: 5173, strictPort: true, proxy },
  preview: { host: '127.0.0.1', port: 5173, strictPort: true, proxy },
  build: {
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      input: { main: 'index.html', silentRenew: 'silent-renew.html' },
    },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
  },
});
