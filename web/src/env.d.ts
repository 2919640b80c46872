/// <reference types="vite/client" />
declare module '*.vue' {
  import type { DefineComponent } from 'vue'
  const component: DefineComponent<object, object, unknown>
  export default component
}

interface ImportMetaEnv {
  /** `hash` for #/ URLs (a CDN without a rewrite of routes to index.html: the China regions). */
  readonly VITE_ROUTER_HISTORY?: 'hash' | 'history'
}
