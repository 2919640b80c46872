import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

// `npm run build` writes dist/, which `devstack dev` serves beside /api (one origin).
// `npx vite` (hot reload) proxies /api and /dev to a running `make dev`.
export default defineConfig({
  plugins: [
    vue(),
    // Element Plus on demand: only the components and directives (v-loading) the templates use,
    // each with its own CSS, instead of the whole library.
    Components({ resolvers: [ElementPlusResolver({ importStyle: 'css' })], dts: false }),
  ],
  server: {
    port: 5173,
    proxy: {
      '/api': `http://127.0.0.1:${process.env.DEV_PORT ?? 3000}`,
      '/dev': `http://127.0.0.1:${process.env.DEV_PORT ?? 3000}`,
    },
  },
})
