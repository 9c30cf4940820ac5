// The workspace rules plus Svelte components (parsed with the TypeScript parser inside <script>).
import svelte from 'eslint-plugin-svelte';
import tseslint from 'typescript-eslint';
import root from '../../eslint.config.js';
import svelteConfig from './svelte.config.js';

export default tseslint.config(
  ...root,
  ...svelte.configs.recommended,
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'], svelteConfig },
    },
    // TypeScript (svelte-check) resolves names; no-undef knows no browser globals.
    rules: { 'no-undef': 'off' },
  },
  { ignores: ['dist/**', 'dev-dist/**', 'test-artifacts/**'] },
);
