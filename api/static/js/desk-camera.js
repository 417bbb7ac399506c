// Camera scanning: the browser's BarcodeDetector where it has one (phones), otherwise zxing-wasm served by
// bridgepoint itself (api/static/vendor/zxing/, copied from npm by `make static`; its .wasm location is given
// explicitly). The same pass held in front of the camera is reported once every few seconds, not every frame.

const ZXING_JS = "/static/vendor/zxing/zxing-reader.js";
const ZXING_WASM = "/static/vendor/zxing/zxing_reader.wasm";
const SAME_PASS_MS = 4000;
const FRAME_MS = 120;

let zxingReady = null;

function loadZxing() {
  if (!zxingReady) {
    zxingReady = new Promise((resolve, reject) => {
      if (window.ZXingWASM) { resolve(window.ZXingWASM); return; }
      const script = document.createElement("script");  // an IIFE that sets the global ZXingWASM
      script.src = ZXING_JS;
      script.onload = () => resolve(window.ZXingWASM);
      script.onerror = () => reject(new Error("zxing-wasm could not be loaded"));
      document.head.append(script);
    }).then(async (zxing) => {
      await zxing.prepareZXingModule({
        overrides: {locateFile: (path, prefix) => (path.endsWith(".wasm") ? ZXING_WASM : prefix + path)},
        fireImmediately: true,
      });
      return zxing;
    });
    zxingReady.catch(() => { zxingReady = null; });
  }
  return zxingReady;
}

async function makeDetector() {
  if ("BarcodeDetector" in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) {
        const detector = new window.BarcodeDetector({formats: ["qr_code"]});
        return {name: "BarcodeDetector", detect: async (video) => (await detector.detect(video)).map((c) => c.rawValue)};
      }
    } catch (_) { /* fall through to zxing */ }
  }
  const zxing = await loadZxing();
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d", {willReadFrequently: true});
  return {
    name: "zxing-wasm",
    detect: async (video) => {
      const w = video.videoWidth;
      const h = video.videoHeight;
      if (!w || !h) return [];
      canvas.width = w;
      canvas.height = h;
      ctx.drawImage(video, 0, 0, w, h);
      const found = await zxing.readBarcodes(ctx.getImageData(0, 0, w, h),
                                             {formats: ["QRCode"], tryHarder: true, maxNumberOfSymbols: 1});
      return found.filter((r) => r.isValid).map((r) => r.text);
    },
  };
}

export class Camera {
  /** @param {{video: HTMLVideoElement, onScan: (text: string) => void, onError: (e: Error) => void}} options */
  constructor({video, onScan, onError}) {
    this.video = video;
    this.onScan = onScan;
    this.onError = onError;
    this.stream = null;
    this.timer = null;
    this.last = {text: "", at: 0};
    this.engine = "";
  }

  get running() {
    return Boolean(this.stream);
  }

  async start() {
    if (this.stream) return;
    const detector = await makeDetector();
    this.engine = detector.name;
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: false, video: {facingMode: {ideal: "environment"}, width: {ideal: 1280}, height: {ideal: 720}}});
    this.video.srcObject = this.stream;
    this.video.muted = true;
    this.video.setAttribute("playsinline", "");
    await this.video.play();
    const loop = async () => {
      if (!this.stream) return;
      try {
        for (const text of await detector.detect(this.video)) {
          const now = Date.now();
          if (text === this.last.text && now - this.last.at < SAME_PASS_MS) continue;
          this.last = {text, at: now};
          this.onScan(text);
        }
      } catch (e) {
        this.onError(e);
      }
      if (this.stream) this.timer = setTimeout(loop, FRAME_MS);
    };
    loop();
  }

  stop() {
    clearTimeout(this.timer);
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
    this.video.srcObject = null;
  }
}
