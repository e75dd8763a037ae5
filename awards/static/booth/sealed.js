// The booth's cryptography: a juror's ballot encrypted to the election key in the browser,
// byte for byte as ballots/sealed/board.py `seal` does it on the server (docs/booth.md; the
// known-answer vectors of tests/data/booth_vectors.json hold the two to each other).
// An ES module with no globals, for a module Web Worker and for node 18 or newer.
import { bytesToHex, hexToBytes, secp256k1, sha256, sha512, utf8ToBytes } from "./noble.js";

const Point = secp256k1.Point;
export const ORDER = Point.Fn.ORDER;
export const EMBED_BYTES = 30;
const PART_BITS = EMBED_BYTES * 8;
export const BALLOT_DOMAIN = "awards-sealed/1/ballot";
const RANKED = new Set(["borda", "irv", "schulze"]);
const SCORED = new Set(["score_mean", "score_trimmed_mean"]);
// node 18 has no global WebCrypto; browsers and workers always do.
const webcrypto = globalThis.crypto ?? (await import("node:crypto")).webcrypto;

// --- canonical JSON (ballots/canonical.py): sorted keys, no spaces, non-ASCII as itself ---

// Python sorts keys by code point, JavaScript's default sort by UTF-16 unit: the two differ
// for characters beyond U+FFFF against those in U+E000-U+FFFF.
function byCodePoint(a, b) {
  const x = Array.from(a, (c) => c.codePointAt(0));
  const y = Array.from(b, (c) => c.codePointAt(0));
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i] - y[i];
  }
  return x.length - y.length;
}

function string(text) {
  // A lone surrogate cannot be written as UTF-8: Python's encode() refuses it as well.
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text)) {
    throw new Error("a string holds a lone surrogate");
  }
  // For well-formed strings JSON.stringify escapes exactly what Python's encoder does
  // (" \ and U+0000-U+001F, as \b \f \n \r \t or \u00xx in lowercase) and nothing else.
  return JSON.stringify(text);
}

function write(value) {
  if (value === null) return "null";
  if (value === true) return "true";
  if (value === false) return "false";
  if (typeof value === "string") return string(value);
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") {
    // Python writes floats its own way (1e+16, 1.0): nothing hashed here is a float.
    if (!Number.isSafeInteger(value)) throw new Error("only whole numbers are canonical here");
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(write).join(",")}]`;
  if (typeof value === "object") {
    const keys = Object.keys(value).sort(byCodePoint);
    return `{${keys.map((k) => `${string(k)}:${write(value[k])}`).join(",")}}`;
  }
  throw new Error(`cannot write ${typeof value} as JSON`);
}

export function canonicalJson(value) {
  return utf8ToBytes(write(value));
}

// --- the group (ballots/sealed/group.py) ---

function toBigInt(bytes) {
  return bytes.length ? BigInt(`0x${bytesToHex(bytes)}`) : 0n;
}

export function scalarHex(k) {
  return (((k % ORDER) + ORDER) % ORDER).toString(16).padStart(64, "0");
}

function scalar(value) {
  const k = typeof value === "bigint" ? value : BigInt(`0x${value}`);
  if (k <= 0n || k >= ORDER) throw new Error("a randomness is in [1, n-1]");
  return k;
}

export function hashToScalar(domain, ...values) {
  return toBigInt(sha512(canonicalJson([domain, ...values]))) % ORDER;
}

export function embed(data) {
  if (data.length !== EMBED_BYTES) throw new Error(`a point carries exactly ${EMBED_BYTES} bytes`);
  const encoded = new Uint8Array(33);
  encoded[0] = 2;
  encoded.set(data, 2);
  for (let k = 0; k < 256; k++) {
    encoded[32] = k;
    try {
      return Point.fromBytes(encoded);
    } catch {
      // not on the curve: the next k (each succeeds with chance about 1/2)
    }
  }
  throw new Error("no point found"); // chance 2^-256
}

const keys = new Map();

/** The election key as a point with its window table, built once per key (about 30 ms) and
 * kept: every r * H of every ballot sealed afterwards costs a sixth of an unprepared one. */
export function electionKey(hex) {
  let key = keys.get(hex);
  if (key === undefined) {
    key = Point.fromHex(hex);
    key.precompute(6, false);
    keys.set(hex, key);
  }
  return key;
}

/** Uniform in [1, n-1] from the CSPRNG, by rejection (n is within 2^-128 of 2^256). */
export function randomScalar() {
  const bytes = new Uint8Array(32);
  for (;;) {
    webcrypto.getRandomValues(bytes);
    const k = toBigInt(bytes);
    if (k < ORDER - 1n) return k + 1n;
  }
}

// --- the encoding (ballots/sealed/encoding.py) ---

// Python's int.bit_length, which counts the bits of |n|.
function bitLength(n) {
  return n === 0 ? 0 : Math.abs(n).toString(2).length;
}

/** The parts of a configuration category's ballot: a list of parts, each a list of
 * {key, bits}, with what encode needs. */
export function layout(entry, isolated = []) {
  const method = entry.method;
  const nominees = entry.nominees.map((n) => n.id);
  const alone = new Set(isolated);
  if (alone.size !== isolated.length || isolated.some((n) => !nominees.includes(n))) {
    throw new Error("isolated nominees must be distinct nominees of the category");
  }
  if (isolated.length && RANKED.has(method)) {
    throw new Error("a ranked category recuses a juror from all of it: none is isolated");
  }
  let slots;
  if (method === "approval") {
    slots = nominees.map((n) => ({ key: n, bits: 1 }));
  } else if (SCORED.has(method)) {
    const bits = bitLength(entry.score_max - entry.score_min + 1);
    slots = nominees.map((n) => ({ key: n, bits }));
  } else if (RANKED.has(method)) {
    const bits = bitLength(nominees.length);
    slots = nominees.map((_n, i) => ({ key: `place ${i + 1}`, bits }));
  } else {
    throw new Error(`unknown method ${method}`);
  }
  if (slots.some((s) => s.bits > PART_BITS)) throw new Error("a score range too wide for one part");
  const parts = [[{ key: "abstain", bits: 1 }]];
  let used = 1;
  for (const slot of slots) {
    if (alone.has(slot.key)) continue;
    if (used + slot.bits > PART_BITS) {
      parts.push([]);
      used = 0;
    }
    parts[parts.length - 1].push(slot);
    used += slot.bits;
  }
  for (const slot of slots) if (alone.has(slot.key)) parts.push([slot]);
  return { method, nominees, scoreMin: entry.score_min ?? 0, parts };
}

function values(lay, content) {
  const found = new Map(lay.parts.flat().map((s) => [s.key, 0n]));
  const set = (key, value) => {
    if (!found.has(key)) throw new Error("the content names what is not on the ballot");
    found.set(key, BigInt(value));
  };
  const keys = Object.keys(content);
  if (keys.length === 1 && content.abstain === true) {
    set("abstain", 1);
  } else if (lay.method === "approval") {
    for (const nominee of content.approve) set(nominee, 1);
  } else if (SCORED.has(lay.method)) {
    for (const [nominee, score] of Object.entries(content.scores)) {
      // JavaScript would take "7" for 7, and Python refuses it.
      if (!Number.isSafeInteger(score)) throw new Error("a score is a whole number");
      set(nominee, score - lay.scoreMin + 1);
    }
  } else {
    content.ranking.forEach((nominee, i) => {
      const position = lay.nominees.indexOf(nominee);
      if (position < 0) throw new Error("the content names what is not on the ballot");
      set(`place ${i + 1}`, position + 1);
    });
  }
  return found;
}

/** The 30 bytes of each part of a valid content (the booth's page checked it first). */
export function encode(lay, content) {
  const found = values(lay, content);
  return lay.parts.map((part) => {
    let number = 0n;
    let used = 0;
    for (const slot of part) {
      const value = found.get(slot.key);
      if (value < 0n || value >> BigInt(slot.bits)) throw new Error("a value does not fit its slot");
      number = (number << BigInt(slot.bits)) | value;
      used += slot.bits;
    }
    return hexToBytes((number << BigInt(PART_BITS - used)).toString(16).padStart(60, "0"));
  });
}

// --- the board's entry (ballots/sealed/board.py) ---

export function entryContext(context, category, tracker, recused = []) {
  const full = { ...context, category, tracker };
  if (recused.length) full.recused = [...recused];
  return full;
}

/** An entry as Python's `seal(...).to_json()` makes it, and the r of each part (hex). With
 * `randomness` ([{r, w}] per part, bigint or hex) the seal is the one of Python's `seal` whose
 * rng gives r then w for each part in turn; without, both come from the CSPRNG. */
export function sealEntry({ key, layout: lay, content, context, category, tracker, recused = [], randomness }) {
  const H = typeof key === "string" ? electionKey(key) : key;
  const width = lay.parts.length;
  if (randomness !== undefined && randomness.length !== width) {
    throw new Error("one randomness per part");
  }
  const pads = Array.from({ length: width }, (_x, i) =>
    randomness ? { r: scalar(randomness[i].r), w: scalar(randomness[i].w) } : { r: randomScalar(), w: randomScalar() },
  );
  const ballot = encode(lay, content).map((data, i) => {
    const { r } = pads[i];
    return [Point.BASE.multiply(r).toHex(true), embed(data).add(H.multiply(r)).toHex(true)];
  });
  const commitments = pads.map(({ w }) => Point.BASE.multiply(w).toHex(true));
  const c = hashToScalar(
    BALLOT_DOMAIN,
    entryContext(context, category, tracker, recused),
    ballot,
    ballot.map(([a]) => a),
    commitments,
  );
  const entry = {
    tracker,
    ballot,
    proof: { challenge: scalarHex(c), responses: pads.map(({ r, w }) => scalarHex(w + c * r)) },
  };
  if (recused.length) entry.recused = [...recused];
  return { entry, randomness: pads.map(({ r }) => scalarHex(r)) };
}

/** The juror's receipt: the first 32 hex digits of SHA-256 of the entry's board leaf. */
export function receipt(category, entry) {
  return bytesToHex(sha256(canonicalJson({ category, ...entry }))).slice(0, 32);
}
