// Entry: mounts the app, reports uncaught errors in the page, registers the service worker.

import { mount } from 'svelte';
import App from './App.svelte';
import { reportError } from './lib/status.svelte';
import './styles.css';

window.addEventListener('error', (e) => reportError(e.error ?? e.message));
window.addEventListener('unhandledrejection', (e) => reportError(e.reason));

const target = document.getElementById('app')!;
target.replaceChildren();
mount(App, { target });

// The service worker precaches every built asset: after the first visit the app loads offline.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  navigator.serviceWorker
    .register('./sw.js', { scope: './' })
    .catch((e) =>
      reportError(new Error(`offline support is unavailable: ${(e as Error).message}`)),
    );
}
