// The "N秒后重新发送" countdown of every SMS code button, stopped with its component.
import { onBeforeUnmount, ref } from 'vue'

export function useCountdown() {
  const countdown = ref(0)
  let timer: number | undefined

  function start(seconds: number) {
    countdown.value = seconds
    window.clearInterval(timer)
    timer = window.setInterval(() => {
      countdown.value -= 1
      if (countdown.value <= 0) window.clearInterval(timer)
    }, 1000)
  }

  onBeforeUnmount(() => window.clearInterval(timer))
  return { countdown, start }
}
