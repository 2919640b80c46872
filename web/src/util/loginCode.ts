// An SMS code for a login, as 短信解锁 and 忘记密码 both use it: the dialog's login and code,
// its error and notice, the send with its countdown, and an action run once at a time.
import { ref } from 'vue'
import { messageOf } from '../api/http'
import { useCountdown } from './countdown'

const SENT = '如账号存在，验证码已发送至账号登记的手机（单位账号为单位联系人手机），5分钟内有效'

export function useLoginCode(send: (login: string) => Promise<{ resend_after: number }>) {
  const open = ref(false)
  const login = ref('')
  const code = ref('')
  const error = ref('')
  const notice = ref('')
  const sending = ref(false)
  const busy = ref(false)
  const { countdown, start } = useCountdown()

  function show(prefill: string) {
    login.value = prefill.trim()
    code.value = ''
    error.value = ''
    notice.value = ''
    open.value = true
  }

  async function sendCode() {
    error.value = ''
    if (!login.value.trim()) {
      error.value = '请输入账号'
      return
    }
    sending.value = true
    try {
      const r = await send(login.value.trim())
      notice.value = SENT
      start(r.resend_after || 60)
    } catch (e) {
      error.value = messageOf(e)
    } finally {
      sending.value = false
    }
  }

  /** Checks the code's form and `extra` (a message, or '' when fine), then runs `action` once
   *  at a time; its refusal becomes the dialog's error, its success closes the dialog. */
  async function run(action: () => Promise<void>, extra: () => string = () => '') {
    if (busy.value) return false
    error.value = ''
    if (!/^\d{6}$/.test(code.value.trim())) {
      error.value = '请输入6位数字短信验证码'
      return false
    }
    const problem = extra()
    if (problem) {
      error.value = problem
      return false
    }
    busy.value = true
    try {
      await action()
      open.value = false
      return true
    } catch (e) {
      error.value = messageOf(e)
      return false
    } finally {
      busy.value = false
    }
  }

  return { open, login, code, error, notice, sending, busy, countdown, show, sendCode, run }
}
