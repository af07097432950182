import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

const root = path.dirname(fileURLToPath(import.meta.url));
const api = process.env.EMERALD_API_URL ?? 'http://127.0.0.1:4000';

export default defineConfig({
  root,
  plugins: [
    react(),
    // The monitor as an installable app whose shell works without coverage (technicians in
    // the field): Workbox precaches the built files; data and queued work live in IndexedDB
    // (client/src/offline.ts). API paths always go to the network.
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: null,
      manifest: {
        name: 'Emerald',
        short_name: 'Emerald',
        description: 'Operaciones para ISPs',
        lang: 'es',
        start_url: '/',
        display: 'standalone',
        theme_color: '#0b7a55',
        background_color: '#ffffff',
        icons: [{ src: '/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,webmanifest}'],
        maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
        navigateFallback: '/index.html',
        navigateFallbackDenylist: [/^\/graphql/, /^\/files/, /^\/export/, /^\/sim/, /^\/metrics/, /^\/healthz/, /^\/readyz/],
        cleanupOutdatedCaches: true,
      },
    }),
  ],
  build: {
    outDir: path.join(root, 'dist'),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 900,
  },
  server: {
    port: 5173,
    proxy: {
      '/graphql': { target: api, ws: true, changeOrigin: false },
    },
  },
});
