import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import jpeg from 'jpeg-js';

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

/**
 * A video for Chromium's fake camera (`--use-file-for-fake-video-capture=<file>.y4m`): the
 * JPEG picture as `frames` frames of YUV4MPEG2, 4:2:0 (I420, the one layout Chromium reads),
 * padded with white to even sides as 4:2:0 needs. Chromium plays the file in a loop.
 */
export async function jpegToY4m(picture: string, y4m: string, frames = 10): Promise<void> {
  const image = jpeg.decode(await readFile(picture), { useTArray: true, formatAsRGBA: true });
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
