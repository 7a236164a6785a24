// Builds the web UI into ui/dist, where the agent serves it from (agent/http/ui-files.ts). Asset URLs are
// relative ('./assets/…') and resolve against the <base> tag the agent writes, so any content path works.
// `npx vite ui` serves it for development with /v1 proxied to a local agent on 127.0.0.1:8500.
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  server: { proxy: { '/v1': 'http://127.0.0.1:8500' } },
});
