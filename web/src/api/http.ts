// One fetch wrapper for every call: JSON in and out, the session cookie sent by the browser
// (same origin), errors turned into ApiError with the Chinese message and per-field messages.

export interface FieldError {
  field: string
  code: string
  message: string
}

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly fields: FieldError[]

  constructor(status: number, code: string, message: string, fields: FieldError[] = []) {
    super(message)
    this.status = status
    this.code = code
    this.fields = fields
  }

  /** field name → Chinese message (first one per field), for `el-form-item :error`. */
  fieldMap(): Record<string, string> {
    const map: Record<string, string> = {}
    for (const f of this.fields) if (!(f.field in map)) map[f.field] = f.message
    return map
  }
}

/** Any thrown value as a Chinese message for the user. */
export function messageOf(e: unknown): string {
  if (e instanceof ApiError) return e.message
  if (e instanceof TypeError) return '网络连接失败，请检查网络后重试'
  return e instanceof Error && e.message ? e.message : '操作失败，请稍后重试'
}

let onUnauthorized: (() => void) | null = null
/** Called once by the router: a 401 on a signed-in page sends the user to the login page. */
export function setUnauthorizedHandler(fn: () => void) {
  onUnauthorized = fn
}

async function parseError(res: Response): Promise<ApiError> {
  let body: { code?: string; message?: string; fields?: FieldError[] } = {}
  try {
    body = await res.json()
  } catch {
    /* not JSON */
  }
  const fallback =
    res.status === 404
      ? '请求的内容不存在或功能尚未开通'
      : res.status >= 500
        ? '服务暂时不可用，请稍后重试'
        : '请求未被接受'
  return new ApiError(res.status, body.code ?? `HTTP_${res.status}`, body.message ?? fallback, body.fields ?? [])
}

/** A new idempotency key: one per intent (an opened form), reused by its retries. */
export function newIntentKey(): string {
  return crypto.randomUUID()
}

/** Whether the server answered an intent for good: a refusal is kept with its key like a
 *  success, so the corrected form must go with a new key (else it reads as the key reused).
 *  No answer, a server error or "still running" leave the key for the retry. */
export function answered(e: unknown): boolean {
  return e instanceof ApiError && e.status < 500 && e.code !== 'REQUEST_IN_PROGRESS'
}

/** The same POST while the first is still running (a double click, Enter and a click) gets
 *  the first one's answer instead of a second request. */
const inFlight = new Map<string, Promise<unknown>>()

export function request<T>(method: string, path: string, body?: unknown, intentKey?: string): Promise<T> {
  if (method !== 'POST') return send<T>(method, path, body, intentKey)
  const id = `${path} ${intentKey ?? ''} ${JSON.stringify(body ?? null)}`
  const running = inFlight.get(id)
  if (running) return running as Promise<T>
  const started = send<T>(method, path, body, intentKey).finally(() => inFlight.delete(id))
  inFlight.set(id, started)
  return started
}

async function send<T>(method: string, path: string, body?: unknown, intentKey?: string): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: {} }
  const headers = init.headers as Record<string, string>
  if (body !== undefined) {
    init.body = JSON.stringify(body)
    headers['content-type'] = 'application/json'
  }
  // The server answers a repeated key with the first answer, for a day (no second effect).
  if (intentKey) headers['idempotency-key'] = intentKey
  const res = await fetch(path, init)
  if (!res.ok) {
    const err = await parseError(res)
    if (res.status === 401 && !path.startsWith('/api/auth/') && onUnauthorized) onUnauthorized()
    throw err
  }
  if (res.status === 204) return undefined as T
  const type = res.headers.get('content-type') ?? ''
  return (type.includes('json') ? await res.json() : await res.text()) as T
}

export const get = <T>(path: string) => request<T>('GET', path)
export const post = <T>(path: string, body?: unknown, intentKey?: string) =>
  request<T>('POST', path, body ?? {}, intentKey)
export const put = <T>(path: string, body?: unknown) => request<T>('PUT', path, body ?? {})
export const del = <T = void>(path: string) => request<T>('DELETE', path)

/** Query string from the defined values only. */
export function qs(params: Record<string, string | number | boolean | null | undefined>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
  return parts.length ? `?${parts.join('&')}` : ''
}

/**
 * PUT a file's bytes to a presigned URL (browser → S3 directly), reporting progress 0–100.
 * Uses XMLHttpRequest because fetch has no upload progress.
 */
export function putWithProgress(
  url: string,
  file: Blob,
  contentType: string | null,
  onProgress: (percent: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('PUT', url)
    if (contentType) xhr.setRequestHeader('content-type', contentType)
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(Math.round((e.loaded / e.total) * 100))
    }
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(100)
        resolve()
      } else reject(new ApiError(xhr.status, 'UPLOAD_FAILED', `文件上传失败（${xhr.status}），请重试`))
    }
    xhr.onerror = () => reject(new ApiError(0, 'UPLOAD_FAILED', '文件上传失败，请检查网络后重试'))
    xhr.send(file)
  })
}

/**
 * Opens the short-lived link `fetchLink` answers in a new tab. The tab is opened before the
 * request, while the click still counts (popup blockers), and closed again if it fails.
 */
export async function openInNewTab(fetchLink: () => Promise<{ url: string }>): Promise<void> {
  const tab = window.open('', '_blank')
  try {
    const { url } = await fetchLink()
    if (tab) tab.location.href = url
    else window.location.href = url
  } catch (e) {
    tab?.close()
    throw e
  }
}

/** Starts a browser download of a URL (same origin or presigned). */
export function download(url: string, fileName?: string) {
  const a = document.createElement('a')
  a.href = url
  if (fileName) a.download = fileName
  a.rel = 'noopener'
  document.body.appendChild(a)
  a.click()
  a.remove()
}
