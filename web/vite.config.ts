import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// `npm run build` writes dist/, which `devstack dev` serves beside /api (one origin).
// `npx vite` (hot reload) proxies /api and /dev to a running `make dev`.
export default defineConfig({
  plugins: [vue()],
  build: {
    chunkSizeWarningLimit: 2000,
  },
  server: {
    port: 5173,
    proxy: {
      '/api': `http://127.0.0.1:${process.env.DEV_PORT ?? 3000}`,
      '/dev': `http://127.0.0.1:${process.env.DEV_PORT ?? 3000}`,
    },
  },
})
