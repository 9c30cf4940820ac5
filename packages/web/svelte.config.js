// Svelte options for the Vite plugin, svelte-check and eslint-plugin-svelte.
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

export default {
  preprocess: vitePreprocess(),
  compilerOptions: { runes: true },
};
