// A QR code encoder (ISO/IEC 18004), written for Bandstand's two-step sign-in: the
// authenticator's otpauth URI becomes a QR code in the browser, so the secret never
// leaves the page for a third-party service. Byte mode, error correction level M,
// versions 1-10 (up to 213 bytes), the mask with the lowest penalty.

// Per version 1-10 at level M: [EC codewords per block, blocks in group 1, data codewords
// per group-1 block, blocks in group 2 (each one data codeword longer)].
const LEVEL_M = [
  null,
  [10, 1, 16, 0],
  [16, 1, 28, 0],
  [26, 1, 44, 0],
  [18, 2, 32, 0],
  [24, 2, 43, 0],
  [16, 4, 27, 0],
  [18, 2, 31, 2],
  [22, 2, 38, 2],
  [22, 3, 36, 2],
  [26, 4, 43, 1],
];
// Centres of the alignment patterns, per version (none in version 1).
const ALIGNMENT = [null, [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34], [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50]];
const LEVEL_M_BITS = 0b00; // format information: L 01, M 00, Q 11, H 10
export const MAX_VERSION = 10;

// -- Reed-Solomon over GF(256), primitive polynomial x^8 + x^4 + x^3 + x^2 + 1 --------------

const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
  let value = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = value;
    LOG[value] = i;
    value <<= 1;
    if (value & 0x100) value ^= 0x11d;
  }
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255];
}

function multiply(a, b) {
  return a === 0 || b === 0 ? 0 : EXP[LOG[a] + LOG[b]];
}

/** The generator polynomial (x - a^0)(x - a^1)...(x - a^(n-1)), highest power first. */
function generator(degree) {
  let poly = [1];
  for (let i = 0; i < degree; i++) {
    const next = new Array(poly.length + 1).fill(0);
    for (let j = 0; j < poly.length; j++) {
      next[j] ^= poly[j];
      next[j + 1] ^= multiply(poly[j], EXP[i]);
    }
    poly = next;
  }
  return poly;
}

/** The error correction codewords of one block: the remainder of data * x^n / generator. */
export function errorCorrection(data, degree) {
  const gen = generator(degree);
  const remainder = new Array(degree).fill(0);
  for (const byte of data) {
    const factor = byte ^ remainder.shift();
    remainder.push(0);
    for (let i = 0; i < degree; i++) remainder[i] ^= multiply(gen[i + 1], factor);
  }
  return remainder;
}

// -- data codewords -----------------------------------------------------------------------

function dataCapacity(version) {
  const [, blocks1, size1, blocks2] = LEVEL_M[version];
  return blocks1 * size1 + blocks2 * (size1 + 1);
}

function countBits(version) {
  return version < 10 ? 8 : 16; // byte mode's character count indicator
}

/** The smallest version whose level-M capacity holds `length` bytes. */
export function versionFor(length) {
  for (let version = 1; version <= MAX_VERSION; version++) {
    if (4 + countBits(version) + 8 * length <= 8 * dataCapacity(version)) return version;
  }
  throw new RangeError(`QR: ${length} bytes do not fit in version ${MAX_VERSION}`);
}

function dataCodewords(bytes, version) {
  const bits = [];
  const put = (value, length) => {
    for (let i = length - 1; i >= 0; i--) bits.push((value >>> i) & 1);
  };
  put(0b0100, 4); // byte mode
  put(bytes.length, countBits(version));
  for (const byte of bytes) put(byte, 8);
  const capacity = 8 * dataCapacity(version);
  put(0, Math.min(4, capacity - bits.length)); // terminator
  while (bits.length % 8) bits.push(0);
  const codewords = [];
  for (let i = 0; i < bits.length; i += 8) codewords.push(bits.slice(i, i + 8).reduce((a, b) => (a << 1) | b, 0));
  for (let pad = 0xec; codewords.length < capacity / 8; pad ^= 0xec ^ 0x11) codewords.push(pad);
  return codewords;
}

/** Data and error correction codewords, split into blocks and interleaved. */
function finalCodewords(data, version) {
  const [ecLength, blocks1, size1, blocks2] = LEVEL_M[version];
  const blocks = [];
  let offset = 0;
  for (let b = 0; b < blocks1 + blocks2; b++) {
    const size = b < blocks1 ? size1 : size1 + 1;
    const chunk = data.slice(offset, offset + size);
    offset += size;
    blocks.push({ data: chunk, ec: errorCorrection(chunk, ecLength) });
  }
  const out = [];
  for (let i = 0; i <= size1; i++) {
    for (const block of blocks) if (i < block.data.length) out.push(block.data[i]);
  }
  for (let i = 0; i < ecLength; i++) {
    for (const block of blocks) out.push(block.ec[i]);
  }
  return out;
}

// -- the matrix ---------------------------------------------------------------------------

class Grid {
  constructor(version) {
    this.size = 17 + 4 * version;
    this.dark = Array.from({ length: this.size }, () => new Array(this.size).fill(false));
    this.reserved = Array.from({ length: this.size }, () => new Array(this.size).fill(false));
  }

  /** A function module (never masked, never data), at row r, column c. */
  fixed(r, c, dark) {
    this.dark[r][c] = dark;
    this.reserved[r][c] = true;
  }
}

function drawFinder(grid, top, left) {
  for (let dr = -1; dr <= 7; dr++) {
    for (let dc = -1; dc <= 7; dc++) {
      const r = top + dr;
      const c = left + dc;
      if (r < 0 || c < 0 || r >= grid.size || c >= grid.size) continue;
      const ring = Math.max(Math.abs(dr - 3), Math.abs(dc - 3)); // 0 centre .. 4 separator
      grid.fixed(r, c, ring !== 2 && ring !== 4);
    }
  }
}

function drawFunctionPatterns(grid, version) {
  const last = grid.size - 7;
  drawFinder(grid, 0, 0);
  drawFinder(grid, 0, last);
  drawFinder(grid, last, 0);
  for (let i = 8; i < grid.size - 8; i++) {
    grid.fixed(6, i, i % 2 === 0);
    grid.fixed(i, 6, i % 2 === 0);
  }
  const centres = ALIGNMENT[version];
  for (const r of centres) {
    for (const c of centres) {
      const onFinder = (r === 6 && c === 6) || (r === 6 && c === centres.at(-1)) || (r === centres.at(-1) && c === 6);
      if (onFinder) continue;
      for (let dr = -2; dr <= 2; dr++) {
        for (let dc = -2; dc <= 2; dc++) grid.fixed(r + dr, c + dc, Math.max(Math.abs(dr), Math.abs(dc)) !== 1);
      }
    }
  }
  drawFormat(grid, 0); // reserve the format areas; drawn again with the chosen mask
  grid.fixed(grid.size - 8, 8, true); // the dark module
  if (version >= 7) drawVersion(grid, version);
}

/** BCH remainder of `value` (shifted left by the generator's degree) by `poly`. */
function bchRemainder(value, poly, degree) {
  let rem = value << degree;
  for (let bit = 31 - Math.clz32(rem); bit >= degree; bit--) {
    if ((rem >>> bit) & 1) rem ^= poly << (bit - degree);
  }
  return rem;
}

export function formatBits(mask) {
  const data = (LEVEL_M_BITS << 3) | mask;
  return ((data << 10) | bchRemainder(data, 0x537, 10)) ^ 0x5412;
}

export function versionBits(version) {
  return (version << 12) | bchRemainder(version, 0x1f25, 12);
}

function drawFormat(grid, mask) {
  const bits = formatBits(mask);
  const bit = (i) => ((bits >>> i) & 1) === 1;
  const n = grid.size;
  // Around the top-left finder: bits 0-7 down column 8, bits 8-14 along row 8 leftwards.
  for (let i = 0; i <= 5; i++) grid.fixed(i, 8, bit(i));
  grid.fixed(7, 8, bit(6));
  grid.fixed(8, 8, bit(7));
  grid.fixed(8, 7, bit(8));
  for (let i = 9; i < 15; i++) grid.fixed(8, 14 - i, bit(i));
  // The copy: bits 0-7 along row 8 from the right edge, bits 8-14 up column 8 at the bottom.
  for (let i = 0; i < 8; i++) grid.fixed(8, n - 1 - i, bit(i));
  for (let i = 8; i < 15; i++) grid.fixed(n - 15 + i, 8, bit(i));
}

function drawVersion(grid, version) {
  const bits = versionBits(version);
  const n = grid.size;
  for (let i = 0; i < 18; i++) {
    const dark = ((bits >>> i) & 1) === 1;
    const a = n - 11 + (i % 3);
    const b = Math.floor(i / 3);
    grid.fixed(a, b, dark); // bottom left
    grid.fixed(b, a, dark); // top right
  }
}

function placeData(grid, codewords) {
  const n = grid.size;
  let index = 0;
  const total = codewords.length * 8;
  // Two-column strips from the right edge, upwards then downwards; column 6 is timing.
  for (let right = n - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5;
    const upward = ((n - 1 - right) >> 1) % 2 === 0;
    for (let step = 0; step < n; step++) {
      const r = upward ? n - 1 - step : step;
      for (const c of [right, right - 1]) {
        if (grid.reserved[r][c]) continue;
        if (index < total) grid.dark[r][c] = ((codewords[index >> 3] >>> (7 - (index & 7))) & 1) === 1;
        index++; // remainder bits stay light
      }
    }
  }
}

const MASKS = [
  (r, c) => (r + c) % 2 === 0,
  (r) => r % 2 === 0,
  (r, c) => c % 3 === 0,
  (r, c) => (r + c) % 3 === 0,
  (r, c) => (Math.floor(r / 2) + Math.floor(c / 3)) % 2 === 0,
  (r, c) => ((r * c) % 2) + ((r * c) % 3) === 0,
  (r, c) => (((r * c) % 2) + ((r * c) % 3)) % 2 === 0,
  (r, c) => (((r + c) % 2) + ((r * c) % 3)) % 2 === 0,
];

function applyMask(grid, mask) {
  const rule = MASKS[mask];
  for (let r = 0; r < grid.size; r++) {
    for (let c = 0; c < grid.size; c++) {
      if (!grid.reserved[r][c] && rule(r, c)) grid.dark[r][c] = !grid.dark[r][c];
    }
  }
}

/** The four penalty rules of ISO/IEC 18004 section 7.8.3. */
export function penalty(dark) {
  const n = dark.length;
  let score = 0;
  const lines = [];
  for (let i = 0; i < n; i++) {
    lines.push(dark[i]);
    lines.push(dark.map((row) => row[i]));
  }
  const finderLike = [true, false, true, true, true, false, true];
  for (const line of lines) {
    let run = 1;
    for (let i = 1; i <= n; i++) {
      if (i < n && line[i] === line[i - 1]) {
        run++;
      } else {
        if (run >= 5) score += 3 + (run - 5);
        run = 1;
      }
    }
    for (let i = 0; i + 7 <= n; i++) {
      if (!finderLike.every((d, k) => line[i + k] === d)) continue;
      const lightBefore = [1, 2, 3, 4].every((k) => i - k < 0 || !line[i - k]);
      const lightAfter = [0, 1, 2, 3].every((k) => i + 7 + k >= n || !line[i + 7 + k]);
      if (lightBefore || lightAfter) score += 40;
    }
  }
  for (let r = 0; r + 1 < n; r++) {
    for (let c = 0; c + 1 < n; c++) {
      const d = dark[r][c];
      if (dark[r][c + 1] === d && dark[r + 1][c] === d && dark[r + 1][c + 1] === d) score += 3;
    }
  }
  const darkCount = dark.reduce((sum, row) => sum + row.filter(Boolean).length, 0);
  score += 10 * Math.floor(Math.abs((darkCount * 100) / (n * n) - 50) / 5);
  return score;
}

/**
 * The QR code of `text` (UTF-8) as {version, mask, size, modules}: modules[row][col] is
 * true for a dark module. `mask` forces a mask pattern (tests); by default the one with
 * the lowest penalty.
 */
export function encode(text, { mask } = {}) {
  const bytes = Array.from(new TextEncoder().encode(text));
  const version = versionFor(bytes.length);
  const codewords = finalCodewords(dataCodewords(bytes, version), version);
  const build = (m) => {
    const grid = new Grid(version);
    drawFunctionPatterns(grid, version);
    placeData(grid, codewords);
    applyMask(grid, m);
    drawFormat(grid, m);
    return grid;
  };
  let best = null;
  for (const m of mask === undefined ? [0, 1, 2, 3, 4, 5, 6, 7] : [mask]) {
    const grid = build(m);
    const score = penalty(grid.dark);
    if (best === null || score < best.score) best = { grid, score, mask: m };
  }
  return { version, mask: best.mask, size: best.grid.size, modules: best.grid.dark };
}

/** An SVG image of the code (4 modules of quiet zone), labelled for assistive technology. */
export function toSvg(code, { label = "QR code", scale = 6 } = {}) {
  const NS = "http://www.w3.org/2000/svg";
  const quiet = 4;
  const side = code.size + 2 * quiet;
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${side} ${side}`);
  svg.setAttribute("width", String(side * scale));
  svg.setAttribute("height", String(side * scale));
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  svg.setAttribute("shape-rendering", "crispEdges");
  const background = document.createElementNS(NS, "rect");
  background.setAttribute("width", String(side));
  background.setAttribute("height", String(side));
  background.setAttribute("fill", "#fff");
  svg.append(background);
  let path = "";
  code.modules.forEach((row, r) => {
    row.forEach((dark, c) => {
      if (dark) path += `M${c + quiet},${r + quiet}h1v1h-1z`;
    });
  });
  const modules = document.createElementNS(NS, "path");
  modules.setAttribute("d", path);
  modules.setAttribute("fill", "#000");
  svg.append(modules);
  return svg;
}
