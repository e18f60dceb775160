/**
 * Reads a QR code SVG back with a QR reader (jsQR), as a phone would: the SVG's module squares are
 * drawn into a bitmap (one SVG unit, one pixel) and the bitmap is decoded. Only the shapes
 * shared/qr.ts draws are understood: one white `<rect>` and a `<path>` of `M x,y h s v s h -s z`.
 */
import jsQRModule from 'jsqr';

// jsqr is CommonJS with an ES-style `default` in its types: NodeNext sees the module object.
const jsQR = (jsQRModule as unknown as { default: typeof jsQRModule.default }).default;

export function decodeQrSvg(svg: string): string | undefined {
  const box = /viewBox="0 0 (\d+) (\d+)"/.exec(svg);
  const d = /<path[^>]* d="([^"]*)"/.exec(svg)?.[1];
  if (!box || d === undefined) throw new Error('not a QR SVG of shared/qr.ts');
  const width = Number(box[1]);
  const height = Number(box[2]);
  const pixels = new Uint8ClampedArray(width * height * 4).fill(255);
  for (const m of d.matchAll(/M(\d+),(\d+)h(\d+)v(\d+)h-(\d+)z/g)) {
    const [x, y, w, h] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
    for (let row = y; row < y + h; row++) {
      for (let col = x; col < x + w; col++) {
        const at = (row * width + col) * 4;
        pixels[at] = pixels[at + 1] = pixels[at + 2] = 0;
      }
    }
  }
  return jsQR(pixels, width, height)?.data;
}
