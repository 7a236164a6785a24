// Builds the web UI into ui/dist, where the agent serves it from (agent/http/ui-files.ts). Built asset URLs are
// relative ('./assets/…') and resolve against the <base> tag the agent writes, so any content path works.
// `npx vite ui` serves it for development at http://localhost:5173/ui/ with /v1 proxied to an agent on
// 127.0.0.1:8500 (LATTICE_HTTP_ADDR to change it).
import { defineConfig } from 'vite';

export default defineConfig(({ command }) => ({
  // The dev server has no agent to rewrite <base>, so it serves under the default content path itself.
  base: command === 'serve' ? '/ui/' : './',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  server: { proxy: { '/v1': process.env.LATTICE_HTTP_ADDR ?? 'http://127.0.0.1:8500' } },
}));
