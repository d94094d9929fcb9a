// The raster the generator draws with: src/pixel-raster.ts (browser-safe, shared with the web app's avatar drawing)
// plus PNG encoding and decoding, which need Node (pngjs, Buffer).
// Everything is integer-pixel and deterministic, so regenerating the art gives byte-identical PNGs.
import { PNG } from 'pngjs';
import { Img as RasterImg } from '../../src/pixel-raster.js';

export { mix, prng, rgba, shade, withAlpha, type Colour, type RGBA } from '../../src/pixel-raster.js';

export class Img extends RasterImg {
  /** `opaque` drops the alpha channel (smaller files for images without transparency). */
  toPng(opaque = false): Buffer {
    const png = new PNG({ width: this.w, height: this.h });
    png.data = Buffer.from(this.data);
    return PNG.sync.write(png, { colorType: opaque ? 2 : 6, deflateLevel: 9 });
  }

  static fromPng(buf: Buffer): Img {
    const png = PNG.sync.read(buf);
    const img = new Img(png.width, png.height);
    img.data.set(png.data);
    return img;
  }
}
