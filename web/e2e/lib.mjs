// Helpers of the browser journey: a watched page (console errors, failed requests), Element
// Plus widgets driven as a person would, test data (valid IDs and credit codes, images,
// spreadsheets) and the dev stack's SMS viewer.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import assert from 'node:assert/strict'
import { chromium } from 'playwright-core'

export const BASE = process.env.BASE_URL ?? 'http://127.0.0.1:3000'
export const SHOTS = process.env.SCREENSHOT_DIR ?? path.resolve(import.meta.dirname, '../../target/browser')
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
mkdirSync(path.join(SHOTS, 'phone'), { recursive: true })
// The two screens the office's clerks and the units' contacts use: an office PC, a phone.
export const DESKTOP = { width: 1366, height: 768 }
export const PHONE = { width: 390, height: 844 }

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--lang=zh-CN', '--disable-dev-shm-usage'],
  })
}

/**
 * A page whose problems fail the test: uncaught errors, console errors, requests that fail
 * at the network level, and HTTP errors — except the 4xx answers a step says it provokes
 * (`page.expectHttp(status, urlPart)`), e.g. the inline-error check of a form.
 */
export async function watchedPage(browser, name) {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: DESKTOP, acceptDownloads: true })
  const page = await context.newPage()
  const problems = []
  const expected = []
  page.problems = problems
  page.expectHttp = (status, urlPart) => expected.push({ status, urlPart, used: false })
  page.on('pageerror', (e) => problems.push(`[${name}] page error: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() !== 'error') return
    // The browser logs every 4xx/5xx as "Failed to load resource"; those are judged below
    // with their URL and status.
    if (m.text().startsWith('Failed to load resource')) return
    problems.push(`[${name}] console error: ${m.text()}`)
  })
  page.on('requestfailed', (r) => {
    const failure = r.failure()?.errorText ?? ''
    // A navigation that turns into a download is reported as aborted: not a failure.
    if (failure.includes('ERR_ABORTED') && r.isNavigationRequest()) return
    problems.push(`[${name}] request failed: ${r.method()} ${r.url()} ${failure}`)
  })
  page.on('response', (r) => {
    if (r.status() < 400) return
    const hit = expected.find((e) => !e.used && e.status === r.status() && r.url().includes(e.urlPart))
    if (hit) hit.used = true
    else problems.push(`[${name}] HTTP ${r.status()}: ${r.request().method()} ${r.url()}`)
  })
  return page
}

export function assertClean(...pages) {
  const all = pages.flatMap((p) => p.problems)
  assert.deepEqual(all, [], `browser problems:\n${all.join('\n')}`)
}

/**
 * A main screen as it stands: a screenshot at 1366×768, the accessibility audit, and a
 * screenshot at 390×844 (SHOTS/phone/), the page put back to its size after.
 */
export async function shot(page, name) {
  await page.waitForLoadState('networkidle').catch(() => undefined)
  await page.waitForTimeout(300)
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true })
  await audit(page, name)
  const size = page.viewportSize()
  await page.setViewportSize(PHONE)
  await page.waitForTimeout(400)
  await page.screenshot({ path: path.join(SHOTS, 'phone', `${name}.png`), fullPage: true })
  await page.setViewportSize(size)
  await page.waitForTimeout(300)
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']

/**
 * Serious and critical findings of axe-core (the WCAG 2.1 A/AA rules GB/T 37668 follows) on
 * every screen shot, as { screen, rule, impact, help, targets, html, why }.
 */
export const accessibility = []

async function audit(page, name) {
  // The dev stack's own viewers are not the product.
  if (new URL(page.url()).pathname.startsWith('/dev/')) return
  // Evaluated over the DevTools protocol, so the app's Content-Security-Policy does not apply.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE)
  // Judged at rest: a colour half-way through a transition is not what a reader sees.
  await page.evaluate(() =>
    document.getAnimations().forEach((a) => {
      try {
        a.finish()
      } catch {
        /* an endless one (a spinner) cannot finish: it moves no colour */
      }
    }),
  )
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    AXE_TAGS,
  )
  for (const v of result.violations) {
    if (v.impact !== 'serious' && v.impact !== 'critical') continue
    accessibility.push({
      screen: name,
      rule: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
      html: v.nodes.slice(0, 5).map((n) => n.html.slice(0, 300)),
      why: v.nodes[0]?.failureSummary ?? '',
    })
  }
}

// ---- Element Plus, as a person clicks it ----------------------------------------------------

const visible = (page, css, text) => {
  const l = page.locator(css).filter({ visible: true })
  return text === undefined ? l : l.filter({ hasText: text })
}

/** el-select: open it, click the option. */
export async function choose(page, trigger, optionText) {
  await trigger.click()
  await visible(page, '.el-select-dropdown__item', optionText).first().click()
}

/** el-tree-select with filter: type to filter, click the node. */
export async function chooseTreeFiltered(page, trigger, text) {
  await trigger.click()
  await page.keyboard.type(text)
  await visible(page, '.el-tree-node__content', text).last().click()
}

/** el-tree-select: expand a parent by its arrow, click a child. */
export async function chooseTreeExpand(page, trigger, parent, child) {
  await trigger.click()
  const node = visible(page, '.el-tree-node__content', parent).first()
  await node.locator('.el-tree-node__expand-icon').click()
  await visible(page, '.el-tree-node__content', child).first().click()
}

/** el-cascader with filter: type, click the suggestion. */
export async function chooseCascader(page, trigger, text) {
  await trigger.click()
  await trigger.locator('input').first().fill(text)
  await visible(page, '.el-cascader__suggestion-item', text).first().click()
}

/** The error text Element Plus shows under a form item with this label. */
export function fieldError(page, label) {
  return page
    .locator('.el-form-item')
    .filter({ has: page.locator('.el-form-item__label', { hasText: label }) })
    .locator('.el-form-item__error')
}

export async function clickButton(page, text) {
  await visible(page, 'button', text).first().click()
}

// ---- the dev stack --------------------------------------------------------------------------

/** SMS the emulator received for a mobile, newest first. */
export async function smsTo(mobile) {
  const r = await fetch(`${BASE}/dev/sms`)
  assert.equal(r.status, 200, '/dev/sms')
  const list = await r.json()
  return list.filter((m) => String(m.phone_number ?? '').endsWith(mobile)).map((m) => m.message)
}

export async function waitSms(mobile, predicate, timeoutMs = 30000) {
  const start = Date.now()
  while (Date.now() - start < timeoutMs) {
    const hit = (await smsTo(mobile)).find(predicate)
    if (hit) return hit
    await new Promise((r) => setTimeout(r, 300))
  }
  throw new Error(`no matching SMS to ${mobile} within ${timeoutMs} ms`)
}

/** Mail the SES emulator accepted, newest first: { to, subject, text, attachments: [{ name, href }] }. */
export async function sentMail() {
  const r = await fetch(`${BASE}/dev/mail`)
  assert.equal(r.status, 200, '/dev/mail')
  return r.json()
}

export async function waitMail(predicate, timeoutMs = 30000) {
  const start = Date.now()
  while (Date.now() - start < timeoutMs) {
    const hit = (await sentMail()).find(predicate)
    if (hit) return hit
    await new Promise((r) => setTimeout(r, 300))
  }
  throw new Error(`no matching mail within ${timeoutMs} ms`)
}

// ---- test data ------------------------------------------------------------------------------

const CREDIT_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

/** A valid unified social credit code (GB 32100), Henan division. */
export function creditCode() {
  let body = '12411103'
  for (let i = 0; i < 9; i++) body += CREDIT_CHARS[Math.floor(Math.random() * 31)]
  const sum = [...body].reduce((s, c, i) => s + CREDIT_CHARS.indexOf(c) * CREDIT_WEIGHTS[i], 0)
  return body + CREDIT_CHARS[(31 - (sum % 31)) % 31]
}

/** The same code with a wrong check character. */
export function badCreditCode() {
  const good = creditCode()
  const last = good.at(-1)
  const other = CREDIT_CHARS[(CREDIT_CHARS.indexOf(last) + 1) % 31]
  return good.slice(0, 17) + other
}

export function mobile() {
  return `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`
}

/** A valid mainland ID (GB 11643) for a birth date yyyymmdd and a sequence (odd = male). */
export function residentId(birth, seq) {
  const body = `411103${birth}${String(seq % 1000).padStart(3, '0')}`
  const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = [...body].reduce((s, c, i) => s + Number(c) * W[i], 0)
  return body + '10X98765432'[sum % 11]
}

export function withWrongCheck(id) {
  const last = id.at(-1)
  return id.slice(0, 17) + (last === '1' ? '2' : '1')
}

/** A real PNG: a scanned-certificate look-alike rendered by the browser itself. */
export async function certificateImage(browser, title) {
  const page = await browser.newPage({ viewport: { width: 480, height: 300 } })
  await page.setContent(
    `<div style="width:440px;height:260px;margin:20px;border:6px double #b3261e;font:24px sans-serif;display:flex;align-items:center;justify-content:center;color:#b3261e">${title}（样例）</div>`,
  )
  const png = await page.screenshot()
  await page.close()
  return png
}

/** A real PDF rendered by the browser (headless Chromium can print). */
export async function proofPdf(browser, text) {
  const page = await browser.newPage()
  await page.setContent(`<h2>超龄人员在职证明</h2><p>${text}</p>`)
  const pdf = await page.pdf({ format: 'A4' })
  await page.close()
  return pdf
}

export function save(name, bytes) {
  const file = path.join(SHOTS, name)
  writeFileSync(file, bytes)
  return file
}

/** The text of a PDF as poppler's pdftotext reads it (what a reader copies out of it). */
export function pdfText(bytes) {
  return execFileSync('pdftotext', ['-enc', 'UTF-8', '-', '-'], { input: bytes }).toString('utf8')
}
