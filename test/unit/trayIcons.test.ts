/** The icons the tray model names exist for every platform, at the right sizes, as committed by make-icons. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYNCING_FRAMES, trayIconFile } from '../../electron/model/trayModel.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const trayDir = path.join(repo, 'resources', 'tray');

/** Width, height and RGBA pixels of a non-interlaced 8-bit RGBA PNG (what make-icons writes). */
function decodePng(source: string | Buffer) {
  const buf = typeof source === 'string' ? readFileSync(source) : source;
  expect(buf.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let offset = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (offset < buf.length) {
    const length = buf.readUInt32BE(offset);
    const type = buf.toString('ascii', offset + 4, offset + 8);
    const data = buf.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([data[8], data[9]]).toEqual([8, 6]);
    }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4 + 1;
  const pixels = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    expect(raw[y * stride]).toBe(0);
    raw.copy(pixels, y * width * 4, y * stride + 1, (y + 1) * stride);
  }
  return { width, height, pixels };
}

const STATES = ['healthy', 'degraded', 'unhealthy', 'paused', ...Array.from({ length: SYNCING_FRAMES }, (_, i) => `syncing-${i}`)];

/** The images inside a .ico: each directory entry's declared size, and the PNG it points at. */
function decodeIco(file: string) {
  const buf = readFileSync(file);
  expect([buf.readUInt16LE(0), buf.readUInt16LE(2)]).toEqual([0, 1]);
  return Array.from({ length: buf.readUInt16LE(4) }, (_, i) => {
    const entry = 6 + 16 * i;
    const length = buf.readUInt32LE(entry + 8);
    const offset = buf.readUInt32LE(entry + 12);
    return { declared: buf[entry]!, ...decodePng(buf.subarray(offset, offset + length)) };
  });
}

describe('tray icons', () => {
  it('exist for every state on macOS and Linux, 16 px and @2x', () => {
    for (const state of STATES) {
      for (const platform of ['darwin', 'linux'] as const) {
        const file = trayIconFile(`${state}.png`, platform);
        const { width } = decodePng(path.join(trayDir, file));
        expect(width, file).toBe(file.includes('@2x') ? 32 : 16);
        if (!file.includes('@2x')) expect(decodePng(path.join(trayDir, file.replace('.png', '@2x.png'))).width).toBe(32);
      }
    }
  });

  it('exist for every state on Windows as .ico with every scaling size', () => {
    for (const state of STATES) {
      const file = trayIconFile(`${state}.png`, 'win32');
      const images = decodeIco(path.join(trayDir, file));
      expect(images.map((i) => i.declared), file).toEqual([16, 20, 24, 32, 40, 48]);
      for (const image of images) expect([image.width, image.height]).toEqual([image.declared, image.declared]);
    }
  });

  it('macOS template variants are black with alpha only; colour variants are not', () => {
    for (const state of STATES) {
      const template = decodePng(path.join(trayDir, `${state}Template@2x.png`));
      const colour = decodePng(path.join(trayDir, `${state}@2x.png`));
      let opaque = 0;
      let colourful = 0;
      for (let i = 0; i < template.pixels.length; i += 4) {
        if (template.pixels[i + 3]! > 0) {
          opaque++;
          expect([template.pixels[i], template.pixels[i + 1], template.pixels[i + 2]]).toEqual([0, 0, 0]);
        }
        if (colour.pixels[i + 3]! > 128 && Math.max(colour.pixels[i]!, colour.pixels[i + 1]!, colour.pixels[i + 2]!) > 100) colourful++;
      }
      expect(opaque, state).toBeGreaterThan(100);
      expect(colourful, state).toBeGreaterThan(100);
    }
  });

  it('differ in shape between states (readable without colour)', () => {
    const masks = STATES.slice(0, 5).map((s) => {
      const { pixels } = decodePng(path.join(trayDir, `${s}Template@2x.png`));
      return Array.from({ length: pixels.length / 4 }, (_, i) => (pixels[i * 4 + 3]! > 127 ? 1 : 0)).join('');
    });
    expect(new Set(masks).size).toBe(masks.length);
  });

  it('has a 512 px app icon', () => {
    const { width, height } = decodePng(path.join(repo, 'resources', 'icon.png'));
    expect([width, height]).toEqual([512, 512]);
  });
});

describe('make-icons', () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(path.join(os.tmpdir(), 'atom-icons-'));
    execFileSync(process.execPath, [path.join(repo, 'scripts', 'make-icons.mjs'), out], { timeout: 60_000 });
  }, 60_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('reproduces the committed icons byte for byte', () => {
    const generated = readdirSync(path.join(out, 'tray')).sort();
    expect(generated).toEqual(readdirSync(trayDir).sort());
    for (const file of generated) {
      expect(readFileSync(path.join(out, 'tray', file)).equals(readFileSync(path.join(trayDir, file))), file).toBe(true);
    }
    expect(readFileSync(path.join(out, 'icon.png')).equals(readFileSync(path.join(repo, 'resources', 'icon.png')))).toBe(true);
  });
});
