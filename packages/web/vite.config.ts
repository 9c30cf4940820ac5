// The web app: Svelte 5, the engine in module workers, a service worker precaching every built
// asset (so the app runs offline once loaded), and cross-origin isolation headers (so
// SharedArrayBuffer and wasm threads are available) on the dev and preview servers.

import { svelte } from '@sveltejs/vite-plugin-svelte';
import { createLogger, defineConfig, type Rolldown } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { docsPages } from './scripts/docs-pages.ts';
import { mnistSubset } from './scripts/mnist-subset.ts';

/**
 * @pacgen/metrics and core-wasm import node: modules only lazily, inside code the browser never
 * runs (file readers, worker_threads; Vite stubs them), and name a worker.ts that exists only for
 * Node's TypeScript runs. Their build notices about it are expected: keep the log for real ones.
 */
const onLog: NonNullable<Rolldown.InputOptions['onLog']> = (level, log, handler) => {
  const m = log.message;
  if (
    /externalized for browser compatibility/.test(m) &&
    /packages\/(metrics|core-wasm)\//.test(m)
  ) {
    return;
  }
  if (log.code === 'INEFFECTIVE_DYNAMIC_IMPORT' && /metrics\/dist/.test(m)) return;
  handler(level, log);
};
const logger = createLogger();
const warnOnce = logger.warnOnce.bind(logger);
logger.warnOnce = (msg, options) => {
  if (!msg.includes("new URL('./worker.ts'")) warnOnce(msg, options);
};

const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  // Relative URLs: the built app works from any folder of a static host.
  base: './',
  customLogger: logger,
  plugins: [
    svelte(),
    mnistSubset(),
    docsPages(),
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: false,
      manifest: {
        name: 'pacgen',
        short_name: 'pacgen',
        description: 'PACGen generalization scores, training and the toy landscape, offline',
        theme_color: '#1f3b57',
        background_color: '#ffffff',
        display: 'standalone',
        icons: [{ src: 'icon.svg', sizes: 'any', type: 'image/svg+xml' }],
      },
      workbox: {
        // Everything the build emits, the engine's .wasm, the bundled MNIST subset and docs included.
        globPatterns: ['**/*.{js,css,html,wasm,bin,svg,png,webmanifest,txt}'],
        maximumFileSizeToCacheInBytes: 8 * 1024 * 1024,
        navigateFallback: 'index.html',
        cleanupOutdatedCaches: true,
        // Take over the page that installed it: offline from the first visit on.
        skipWaiting: true,
        clientsClaim: true,
      },
    }),
  ],
  worker: { format: 'es', rolldownOptions: { onLog } },
  build: { target: 'es2022', chunkSizeWarningLimit: 1500, rolldownOptions: { onLog } },
  server: { headers: isolation },
  preview: { headers: isolation },
});
