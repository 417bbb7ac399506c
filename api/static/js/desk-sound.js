// One sound per class of outcome, made with Web Audio (no sound files), and a vibration on phones.
// ok: one short high beep · warn (already in, wrong point, not in): two middle beeps ·
// closed (not open, ended): a falling pair · bad (revoked, invalid): a low buzz.

const TONES = {
  ok: [{f: 1320, t: 0, d: 0.12, type: "sine"}],
  warn: [{f: 740, t: 0, d: 0.11, type: "triangle"}, {f: 740, t: 0.17, d: 0.11, type: "triangle"}],
  closed: [{f: 660, t: 0, d: 0.14, type: "sine"}, {f: 440, t: 0.18, d: 0.2, type: "sine"}],
  bad: [{f: 180, t: 0, d: 0.45, type: "square"}],
};
const VIBRATION = {ok: [60], warn: [80, 80, 80], closed: [150, 80, 150], bad: [400]};

let context = null;

function audio() {
  if (!context) {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return null;
    context = new Ctx();
  }
  if (context.state === "suspended") context.resume().catch(() => {});
  return context;
}

/** Unlock audio on the first key or click (browsers start it suspended). */
export function armSound() {
  const unlock = () => audio();
  window.addEventListener("keydown", unlock, {once: true, capture: true});
  window.addEventListener("pointerdown", unlock, {once: true, capture: true});
}

export function signal(kind, {sound = true, vibrate = true} = {}) {
  if (vibrate && navigator.vibrate) {
    try { navigator.vibrate(VIBRATION[kind] || [50]); } catch (_) { /* not allowed now */ }
  }
  if (!sound) return;
  const ctx = audio();
  if (!ctx) return;
  const now = ctx.currentTime + 0.01;
  for (const tone of TONES[kind] || TONES.warn) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = tone.type;
    osc.frequency.value = tone.f;
    gain.gain.setValueAtTime(0.0001, now + tone.t);
    gain.gain.exponentialRampToValueAtTime(0.25, now + tone.t + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + tone.t + tone.d);
    osc.connect(gain).connect(ctx.destination);
    osc.start(now + tone.t);
    osc.stop(now + tone.t + tone.d + 0.02);
  }
}
