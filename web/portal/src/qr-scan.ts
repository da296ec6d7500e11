/**
 * Finding QR codes in a picture (issue 18, "Add by scanning the certificate"): the browser's
 * own `BarcodeDetector` where it exists and knows QR codes (Chrome on Android, macOS and
 * ChromeOS, for example), otherwise jsQR, a maintained decoder in plain JavaScript, on the
 * picture's pixels. Chromium on Linux (the browser tests) and Firefox have no BarcodeDetector,
 * so they use jsQR.
 */
export interface QrDecoder {
  name: 'BarcodeDetector' | 'jsQR';
  /** The texts of the QR codes in the picture (none when it shows no readable code). */
  decode(picture: Picture): Promise<string[]>;
}

/** A camera frame (the <video> playing the camera) or a chosen photo. */
export type Picture = HTMLVideoElement | ImageBitmap;

/** The Shape Detection API's detector; not in TypeScript's DOM types yet. */
interface BarcodeDetectorClass {
  new (options: { formats: string[] }): {
    detect(source: Picture): Promise<{ rawValue: string }[]>;
  };
  getSupportedFormats(): Promise<string[]>;
}

/**
 * The long side jsQR sees of a photo, then once more when the first found nothing: a phone's
 * 12-megapixel photo takes jsQR seconds, while a certificate that fills a good part of the
 * picture reads at 1,280 pixels; a small one needs more.
 */
const PHOTO_SIDES = [1280, 2560];

/**
 * A camera frame's long side for jsQR: the certificate is held up close, and 5 frames a second
 * must leave the phone time for the rest.
 */
const FRAME_SIDES = [960];

let chosen: Promise<QrDecoder> | null = null;

/** The decoder this browser uses, chosen once. */
export function qrDecoder(): Promise<QrDecoder> {
  // A decoder whose script did not load (the connection dropped) is tried again next time.
  chosen ??= choose().catch((error: unknown) => {
    chosen = null;
    throw error;
  });
  return chosen;
}

async function choose(): Promise<QrDecoder> {
  const Detector = (window as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;
  if (Detector) {
    try {
      if ((await Detector.getSupportedFormats()).includes('qr_code')) {
        const detector = new Detector({ formats: ['qr_code'] });
        return {
          name: 'BarcodeDetector',
          decode: async (picture) => (await detector.detect(picture)).map((code) => code.rawValue),
        };
      }
    } catch {
      // A detector that cannot say its formats (no platform support): jsQR does the work.
    }
  }
  return jsqrDecoder();
}

/**
 * Loaded on the first scan only (a chunk of its own, from this origin as the policy wants):
 * most visits never scan, and the decoder would be a large part of the portal's script.
 */
async function jsqrDecoder(): Promise<QrDecoder> {
  const { default: jsQR } = await import('jsqr');
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  return {
    name: 'jsQR',
    async decode(picture) {
      if (!context) return [];
      const { width, height } = sizeOf(picture);
      if (width === 0 || height === 0) return [];
      const sides = picture instanceof HTMLVideoElement ? FRAME_SIDES : PHOTO_SIDES;
      let previous = 0;
      for (const side of sides) {
        const scale = Math.min(1, side / Math.max(width, height));
        const w = Math.round(width * scale);
        const h = Math.round(height * scale);
        if (w * h <= previous) break;
        previous = w * h;
        canvas.width = w;
        canvas.height = h;
        context.drawImage(picture, 0, 0, w, h);
        const pixels = context.getImageData(0, 0, w, h);
        // A printed certificate is dark on light: no second pass for inverted codes.
        const found = jsQR(pixels.data, w, h, { inversionAttempts: 'dontInvert' });
        if (found) return [found.data];
      }
      return [];
    },
  };
}

function sizeOf(picture: Picture): { width: number; height: number } {
  return picture instanceof HTMLVideoElement
    ? { width: picture.videoWidth, height: picture.videoHeight }
    : { width: picture.width, height: picture.height };
}
