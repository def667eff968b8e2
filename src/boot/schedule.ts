/** When the boot path does what, relative to the browser's tasks and frames. */

/** `fn` in a task of its own, after this task and its promises (a `fetch` they start has left by then). */
export function afterThisTask(fn: () => void): void {
  // A message, not a timer: timers may be clamped, and tests that stop the page's clock stop them.
  const channel = new MessageChannel();
  channel.port1.onmessage = () => fn();
  channel.port2.postMessage(undefined);
}

/** `fn` after the next frame is painted: a task queued from the frame's own callbacks runs once it is. */
export function afterNextPaint(fn: () => void): void {
  requestAnimationFrame(() => afterThisTask(fn));
}
