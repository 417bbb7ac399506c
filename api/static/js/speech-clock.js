// The speaker's clock as every screen shows it (docs/speakers.md "The clock"): the server sends when the speech
// started, the seconds paused so far and, as of `server_time`, the elapsed and remaining seconds. A screen counts
// on from there against the SERVER's clock (LiveClient.serverNow()), so two screens never disagree by more than
// the offset error of their clocks, and the clock keeps running while the socket is down.

/** Seconds spoken by `entry` at `serverNowMs` (ms since the epoch on the server's clock). */
export function elapsedSeconds(entry, serverTime, serverNowMs) {
  if (!entry || !entry.started_at) return 0;
  if (entry.ended_at || entry.paused) return entry.elapsed_seconds || 0;
  const started = Date.parse(entry.started_at);
  if (!Number.isNaN(started)) return (serverNowMs - started) / 1000 - (entry.paused_seconds || 0);
  const asOf = Date.parse(serverTime);
  return (entry.elapsed_seconds || 0) + (Number.isNaN(asOf) ? 0 : (serverNowMs - asOf) / 1000);
}

/**
 * What the clock shows: {text, remaining, elapsed, phase}; phase is "none" (no limit), "ok", "warning" (the last
 * minute, or the last fifth of a short slot), "overrun" (past the allotted time) or "paused".
 */
export function clockOf(entry, serverTime, serverNowMs) {
  const elapsed = Math.max(0, elapsedSeconds(entry, serverTime, serverNowMs));
  const allotted = entry && entry.allotted_seconds;
  if (!allotted) {
    return {text: mmss(elapsed), remaining: null, elapsed, phase: entry && entry.paused ? "paused" : "none"};
  }
  const remaining = allotted - elapsed;
  let phase = "ok";
  if (remaining < 0) phase = "overrun";
  else if (remaining <= Math.min(60, allotted / 5)) phase = "warning";
  if (entry.paused && phase !== "overrun") phase = "paused";
  const text = remaining < 0 ? "+" + mmss(-remaining) : mmss(remaining);
  return {text, remaining, elapsed, phase};
}

/** "m:ss" (or "h:mm:ss"), whole seconds: a remaining 59.2 s shows 1:00 until it is below 59. */
export function mmss(seconds) {
  const total = Math.max(0, Math.ceil(seconds - 1e-6));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}
