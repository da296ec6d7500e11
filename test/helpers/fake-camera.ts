import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import jpeg from 'jpeg-js';
import QRCode from 'qrcode';

const exec = promisify(execFile);

/**
 * The first page of a PDF as a JPEG picture, drawn by poppler's `pdftoppm` (Debian
 * poppler-utils; `.ci/run` installs it): `<outBase>.jpg`, at `dpi` (80 draws an A5 certificate
 * at 467 × 662 pixels, its QR code at about 5 pixels a module). Answers the file's path.
 */
export async function pdfToJpeg(pdf: string, outBase: string, dpi = 80): Promise<string> {
  await exec('pdftoppm', ['-jpeg', '-r', String(dpi), '-singlefile', pdf, outBase]);
  return `${outBase}.jpg`;
}

/** A picture's pixels, 4 bytes (red, green, blue, alpha) a pixel, row by row. */
export interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

/** The pixels of a JPEG file. */
export async function readJpeg(path: string): Promise<Rgba> {
  return jpeg.decode(await readFile(path), { useTArray: true, formatAsRGBA: true });
}

/** A QR code of `text`, black on white, `scale` pixels a module with a 4-module margin. */
export function qrPixels(text: string, scale = 6): Rgba {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const side = (modules.size + 8) * scale;
  const data = new Uint8Array(side * side * 4).fill(255);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const mx = Math.floor(x / scale) - 4;
      const my = Math.floor(y / scale) - 4;
      const dark = mx >= 0 && my >= 0 && mx < modules.size && my < modules.size;
      if (dark && modules.get(my, mx)) data.fill(0, (y * side + x) * 4, (y * side + x) * 4 + 3);
    }
  }
  return { width: side, height: side, data };
}

/**
 * A video for Chromium's fake camera (`--use-file-for-fake-video-capture=<file>.y4m`): the
 * picture as `frames` frames of YUV4MPEG2, 4:2:0 (I420, the one layout Chromium reads),
 * padded with white to even sides as 4:2:0 needs. Chromium plays the file in a loop.
 */
export async function writeY4m(y4m: string, image: Rgba, frames = 10): Promise<void> {
  const width = image.width + (image.width % 2);
  const height = image.height + (image.height % 2);
  const rgb = (x: number, y: number): [number, number, number] => {
    if (x >= image.width || y >= image.height) return [255, 255, 255];
    const at = (y * image.width + x) * 4;
    return [image.data[at]!, image.data[at + 1]!, image.data[at + 2]!];
  };
  // BT.601 in video range, as Chromium reads I420 frames.
  const luma = Buffer.alloc(width * height);
  const cb = Buffer.alloc((width / 2) * (height / 2));
  const cr = Buffer.alloc((width / 2) * (height / 2));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = rgb(x, y);
      luma[y * width + x] = Math.round(16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255);
    }
  }
  for (let y = 0; y < height; y += 2) {
    for (let x = 0; x < width; x += 2) {
      const [r, g, b] = rgb(x, y);
      const at = (y / 2) * (width / 2) + x / 2;
      cb[at] = Math.round(128 + (-37.797 * r - 74.203 * g + 112 * b) / 255);
      cr[at] = Math.round(128 + (112 * r - 93.786 * g - 18.214 * b) / 255);
    }
  }
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, cb, cr]);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`);
  await writeFile(y4m, Buffer.concat([header, ...Array.from({ length: frames }, () => frame)]));
}
