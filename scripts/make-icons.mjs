#!/usr/bin/env node
// Draws the tray icons (one glyph per state: colour PNGs at 16 px and @2x, macOS template
// variants, Windows .ico files with every DPI size)
// and the 512 px app icon into resources/. No dependencies: PNGs are written with node:zlib.
// Shapes differ per state as well as colours, so the state reads without colour vision and in
// the monochrome macOS menu bar.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = process.argv[2] ? path.resolve(process.argv[2]) : path.join(root, 'resources');

// ---- PNG encoding -------------------------------------------------------------------------
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
/** rgba: Uint8Array of size*size*4, straight (not premultiplied) alpha. */
export function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * size * 4, size * 4).copy(raw, y * (size * 4 + 1) + 1);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/** A Windows .ico holding PNG images (Vista and later), one per size: the shell picks the one for the DPI. */
export function encodeIco(images) {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // icon
  header.writeUInt16LE(images.length, 4);
  const entries = [];
  let offset = 6 + 16 * images.length;
  for (const { size, png } of images) {
    const entry = Buffer.alloc(16);
    entry[0] = size >= 256 ? 0 : size;
    entry[1] = size >= 256 ? 0 : size;
    entry.writeUInt16LE(1, 4); // colour planes
    entry.writeUInt16LE(32, 6); // bits per pixel
    entry.writeUInt32LE(png.length, 8);
    entry.writeUInt32LE(offset, 12);
    entries.push(entry);
    offset += png.length;
  }
  return Buffer.concat([header, ...entries, ...images.map((i) => i.png)]);
}

// ---- rasterising: shade(u, v) -> [r, g, b, a] in 0..1, u and v in [-1, 1], averaged over sub-samples
function render(size, shade, samples = 4) {
  const out = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const u = ((x + (sx + 0.5) / samples) / size) * 2 - 1;
          const v = ((y + (sy + 0.5) / samples) / size) * 2 - 1;
          const [cr, cg, cb, ca] = shade(u, v);
          r += cr * ca; g += cg * ca; b += cb * ca; a += ca;
        }
      }
      const n = samples * samples;
      const i = (y * size + x) * 4;
      out[i + 3] = Math.round((a / n) * 255);
      if (a > 0) {
        out[i] = Math.round((r / a) * 255);
        out[i + 1] = Math.round((g / a) * 255);
        out[i + 2] = Math.round((b / a) * 255);
      }
    }
  }
  return out;
}

// ---- tray glyphs (coverage functions) -----------------------------------------------------
const OUTER = 0.86;
const INNER = 0.54;
const radius = (u, v) => Math.hypot(u, v);
const disc = (u, v, r) => radius(u, v) <= r;
const ring = (u, v) => { const d = radius(u, v); return d <= OUTER && d >= INNER; };

export const GLYPHS = {
  // a full dot
  healthy: (u, v) => disc(u, v, OUTER),
  // a ring with a centre dot: "look at me", not alarming
  degraded: (u, v) => ring(u, v) || disc(u, v, 0.26),
  // a dot with a cross cut out
  unhealthy: (u, v) => {
    if (!disc(u, v, OUTER)) return false;
    const inCross = (Math.abs(u - v) / Math.SQRT2 < 0.15 || Math.abs(u + v) / Math.SQRT2 < 0.15) && radius(u, v) < 0.5;
    return !inCross;
  },
  // a ring with the two bars of a pause sign
  paused: (u, v) => ring(u, v) || (Math.abs(u) >= 0.1 && Math.abs(u) <= 0.3 && Math.abs(v) <= 0.3),
};
/** Four frames of an open ring turning by a quarter each, around a small dot. */
export const SYNC_FRAMES = 4;
function syncing(frame) {
  const gapCentre = (frame * Math.PI) / 2 - Math.PI / 4;
  return (u, v) => {
    if (disc(u, v, 0.22)) return true;
    if (!ring(u, v)) return false;
    let delta = Math.atan2(v, u) - gapCentre;
    delta = Math.atan2(Math.sin(delta), Math.cos(delta));
    return Math.abs(delta) > Math.PI / 5;
  };
}

export const COLOURS = {
  healthy: [0x2d, 0xa4, 0x4e],
  degraded: [0xe3, 0xa0, 0x08],
  unhealthy: [0xd1, 0x24, 0x2f],
  syncing: [0x21, 0x8b, 0xff],
  paused: [0x8c, 0x95, 0x9f],
};

function glyphImage(size, covers, rgb) {
  const [r, g, b] = rgb.map((c) => c / 255);
  return render(size, (u, v) => (covers(u, v) ? [r, g, b, 1] : [0, 0, 0, 0]));
}

function writeTray(dir) {
  mkdirSync(dir, { recursive: true });
  const glyphs = [
    ...Object.entries(GLYPHS).map(([state, covers]) => ({ name: state, state, covers })),
    ...Array.from({ length: SYNC_FRAMES }, (_, f) => ({ name: `syncing-${f}`, state: 'syncing', covers: syncing(f) })),
  ];
  const files = [];
  for (const { name, state, covers } of glyphs) {
    for (const [suffix, size] of [['', 16], ['@2x', 32]]) {
      const variants = [
        [`${name}${suffix}.png`, COLOURS[state]],
        // macOS template: black plus alpha; the menu bar tints it for light and dark mode
        [`${name}Template${suffix}.png`, [0, 0, 0]],
      ];
      for (const [file, rgb] of variants) {
        writeFileSync(path.join(dir, file), encodePng(size, glyphImage(size, covers, rgb)));
        files.push(file);
      }
    }
    // Windows: every notification-area size from 100 % to 300 % scaling. The coloured glyphs read
    // on both the light and the dark taskbar, so one icon serves both themes.
    const icoSizes = [16, 20, 24, 32, 40, 48];
    const ico = encodeIco(icoSizes.map((size) => ({ size, png: encodePng(size, glyphImage(size, covers, COLOURS[state])) })));
    writeFileSync(path.join(dir, `${name}.ico`), ico);
    files.push(`${name}.ico`);
  }
  return files;
}

// ---- app icon: an atom (three orbits and a nucleus) on a dark rounded square -------------
function roundedSquare(u, v, half, corner) {
  const qx = Math.max(Math.abs(u) - (half - corner), 0);
  const qy = Math.max(Math.abs(v) - (half - corner), 0);
  return Math.hypot(qx, qy) <= corner;
}
function orbitDistance(u, v, angle, a, b) {
  const c = Math.cos(angle), s = Math.sin(angle);
  const x = u * c + v * s;
  const y = -u * s + v * c;
  const f = (x * x) / (a * a) + (y * y) / (b * b) - 1;
  const grad = Math.hypot((2 * x) / (a * a), (2 * y) / (b * b)) || 1;
  return Math.abs(f) / grad;
}
function appIcon(u, v) {
  if (!roundedSquare(u, v, 0.92, 0.24)) return [0, 0, 0, 0];
  if (disc(u, v, 0.15)) return [0.18, 0.64, 0.31, 1];
  const orbits = [Math.PI / 6, Math.PI / 2, (5 * Math.PI) / 6];
  // one electron per orbit, at the orbit's far end
  for (const angle of orbits) {
    const ex = Math.cos(angle) * 0.7, ey = Math.sin(angle) * 0.7;
    if (Math.hypot(u - ex, v - ey) <= 0.075) return [1, 0.84, 0.35, 1];
  }
  for (const angle of orbits) {
    if (orbitDistance(u, v, angle, 0.7, 0.25) <= 0.03) return [0.8, 0.72, 1, 1];
  }
  const t = (v + 1) / 2;
  return [0.05 + 0.05 * t, 0.11 + 0.1 * t, 0.17 + 0.19 * t, 1];
}

const trayFiles = writeTray(path.join(outDir, 'tray'));
writeFileSync(path.join(outDir, 'icon.png'), encodePng(512, render(512, appIcon, 3)));
process.stdout.write(`wrote ${trayFiles.length} tray icons and icon.png under ${outDir}\n`);
