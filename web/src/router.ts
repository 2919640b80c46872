import { createRouter, createWebHashHistory, createWebHistory, type RouteRecordRaw } from 'vue-router'
import AppLayout from './components/AppLayout.vue'
import { setUnauthorizedHandler } from './api/http'
import { clearSession, homeOf, loadSession } from './session'

const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/login' },
  { path: '/login', component: () => import('./views/LoginView.vue'), meta: { public: true } },
  { path: '/register', component: () => import('./views/RegisterView.vue'), meta: { public: true } },
  { path: '/password', component: () => import('./views/PasswordView.vue') },
  {
    path: '/unit',
    component: AppLayout,
    meta: { role: 'unit' },
    children: [
      { path: '', redirect: '/unit/applications' },
      { path: 'templates', component: () => import('./views/unit/TemplatesView.vue') },
      { path: 'applications', component: () => import('./views/unit/ApplicationsView.vue') },
      { path: 'applications/new', component: () => import('./views/unit/WizardView.vue') },
      { path: 'applications/:id', component: () => import('./views/unit/WizardView.vue'), props: true },
      { path: 'invoices', component: () => import('./views/unit/InvoicesView.vue') },
      { path: 'invoices/:id', component: () => import('./views/unit/InvoiceView.vue'), props: true },
      { path: 'certificates', component: () => import('./views/unit/CertificatesView.vue') },
      { path: 'address-book', component: () => import('./views/unit/AddressBookView.vue') },
      { path: 'profile', component: () => import('./views/unit/ProfileView.vue') },
    ],
  },
  {
    path: '/staff',
    component: AppLayout,
    meta: { role: 'staff' },
    children: [
      { path: '', redirect: '/staff/dashboard' },
      { path: 'dashboard', component: () => import('./views/staff/DashboardView.vue') },
      { path: 'registrations', component: () => import('./views/staff/RegistrationsView.vue') },
      { path: 'units', component: () => import('./views/staff/UnitsView.vue') },
      { path: 'units/:id', component: () => import('./views/staff/UnitFileView.vue'), props: true },
      { path: 'reviews/:level', component: () => import('./views/staff/ReviewQueueView.vue'), props: true },
      { path: 'reviews/:level/:id', component: () => import('./views/staff/ReviewView.vue'), props: true },
      { path: 'search', component: () => import('./views/staff/SearchView.vue') },
      { path: 'applications/:id', component: () => import('./views/staff/ReviewView.vue'), props: true },
      { path: 'payments', component: () => import('./views/staff/PaymentsView.vue') },
      { path: 'statements', component: () => import('./views/staff/StatementsView.vue') },
      { path: 'coverage', component: () => import('./views/staff/CoverageView.vue') },
      { path: 'e-invoices', component: () => import('./views/staff/EInvoicesView.vue') },
      { path: 'returns', component: () => import('./views/staff/ReturnsView.vue') },
      { path: 'contacts', component: () => import('./views/staff/ContactsView.vue') },
      { path: 'unit-details', component: () => import('./views/staff/DetailsChangesView.vue') },
      { path: 'accounts', component: () => import('./views/staff/AccountsView.vue') },
      { path: 'activities', component: () => import('./views/staff/ActivitiesView.vue') },
      { path: 'payment-account', component: () => import('./views/staff/PaymentAccountView.vue') },
    ],
  },
  { path: '/:rest(.*)*', redirect: '/login' },
]

// History URLs need the CDN to answer every route with index.html (a CloudFront Function);
// the China regions have none, so their build (VITE_ROUTER_HISTORY=hash) uses #/ URLs.
const history = import.meta.env.VITE_ROUTER_HISTORY === 'hash' ? createWebHashHistory() : createWebHistory()

export const router = createRouter({ history, routes })

router.beforeEach(async (to) => {
  const me = await loadSession()
  if (to.meta.public) {
    if (me && to.path === '/login') return homeOf(me)
    return true
  }
  if (!me) return { path: '/login', query: { next: to.fullPath } }
  if (me.must_change_password && to.path !== '/password') return '/password'
  const role = to.matched.find((r) => r.meta.role)?.meta.role
  if (role && role !== me.role) return homeOf(me)
  return true
})

// An expired session says so and comes back to the same page (step included) after signing in.
setUnauthorizedHandler(() => {
  clearSession()
  const here = router.currentRoute.value
  if (!here.meta.public) router.push({ path: '/login', query: { next: here.fullPath, expired: '1' } })
})
