import { createApp } from 'vue'
// The templates' el-* components and their CSS are imported on demand (vite.config.ts); the
// base variables and the services called from scripts are imported here.
import 'element-plus/theme-chalk/base.css'
import 'element-plus/theme-chalk/el-message.css'
import 'element-plus/theme-chalk/el-message-box.css'
import './style.css'
import App from './App.vue'
import { router } from './router'

createApp(App).use(router).mount('#app')
