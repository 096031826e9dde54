/**
 * Reads QR codes from the camera. The browser's BarcodeDetector where it
 * exists (Chromium on Android and macOS); otherwise jsQR on the video frames
 * (Chromium on Linux has no BarcodeDetector). jsQR is loaded only when a
 * scan starts, so the app itself stays small.
 */
interface Detector {
  detect(source: CanvasImageSource): Promise<{ rawValue: string }[]>;
}
declare const BarcodeDetector: { new (options: { formats: string[] }): Detector; getSupportedFormats(): Promise<string[]> } | undefined;

type Decode = (frame: HTMLVideoElement, canvas: HTMLCanvasElement) => Promise<string | null>;

async function nativeDecoder(): Promise<Decode | null> {
  if (typeof BarcodeDetector === 'undefined') return null;
  if (!(await BarcodeDetector.getSupportedFormats()).includes('qr_code')) return null;
  const detector = new BarcodeDetector({ formats: ['qr_code'] });
  return async (video) => (await detector.detect(video))[0]?.rawValue ?? null;
}

type JsQr = (data: Uint8ClampedArray, width: number, height: number, options: { inversionAttempts: 'dontInvert' }) => { data: string } | null;

async function jsqrDecoder(): Promise<Decode> {
  // jsqr is CommonJS with an ES-style default export: bundlers hand over the function, Node's typing the module object.
  const loaded = (await import('jsqr')) as unknown as { default: JsQr | { default: JsQr } };
  const jsQR = typeof loaded.default === 'function' ? loaded.default : loaded.default.default;
  return async (video, canvas) => {
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const context = canvas.getContext('2d', { willReadFrequently: true })!;
    context.drawImage(video, 0, 0);
    const image = context.getImageData(0, 0, canvas.width, canvas.height);
    return jsQR(image.data, image.width, image.height, { inversionAttempts: 'dontInvert' })?.data ?? null;
  };
}

export interface Scan {
  /** Resolves with the first code read; rejects if the camera can't be opened. */
  readonly result: Promise<string>;
  stop(): void;
}

/** Opens the camera into `video` and looks for a QR code in its frames until one is read or `stop` is called. */
export function scanQr(video: HTMLVideoElement): Scan {
  let stopped = false;
  let stream: MediaStream | null = null;
  const stop = (): void => {
    stopped = true;
    for (const track of stream?.getTracks() ?? []) track.stop();
    video.srcObject = null;
  };
  const result = (async () => {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
    if (stopped) {
      stop();
      throw new Error('scan stopped');
    }
    video.srcObject = stream;
    video.muted = true;
    video.setAttribute('playsinline', '');
    await video.play();
    const decode = (await nativeDecoder()) ?? (await jsqrDecoder());
    const canvas = document.createElement('canvas');
    while (!stopped) {
      const text = video.readyState >= 2 ? await decode(video, canvas) : null;
      if (text !== null) {
        stop();
        return text;
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    throw new Error('scan stopped');
  })();
  result.catch(() => stop());
  return { result, stop };
}
