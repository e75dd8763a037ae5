// The booth's JavaScript against the Python implementation's known answers
// (tests/data/booth_vectors.json), the same code in Chromium and in node: `check` returns what
// disagrees, [] when everything agrees. `timeBallot` times the sealing of a whole ballot.

const text = (bytes) => new TextDecoder().decode(bytes);
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

export function check(sealed, vectors) {
  const failures = [];
  const expect = (what, got, want) => {
    if (!same(got, want)) failures.push(`${what}: ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
  };
  const attempt = (what, run) => {
    try {
      run();
    } catch (error) {
      failures.push(`${what}: ${error}`);
    }
  };
  vectors.canonical.forEach((c, i) =>
    attempt(`canonical ${i}`, () => expect(`canonical ${i}`, text(sealed.canonicalJson(c.value)), c.json)),
  );
  vectors.hash_to_scalar.forEach((c, i) =>
    attempt(`hash ${i}`, () => expect(`hash ${i}`, sealed.scalarHex(sealed.hashToScalar(c.domain, ...c.values)), c.scalar)),
  );
  vectors.embed.forEach((c, i) => {
    const data = Uint8Array.from(c.data.match(/../g), (b) => parseInt(b, 16));
    attempt(`embed ${i}`, () => expect(`embed ${i}`, sealed.embed(data).toHex(true), c.point));
  });
  vectors.layouts.forEach((c, i) =>
    attempt(`layout ${i}`, () => {
      const parts = sealed.layout(c.entry, c.isolated).parts.map((p) => p.map((s) => [s.key, s.bits]));
      expect(`layout ${i}`, parts, c.parts);
    }),
  );
  vectors.encodings.forEach((c, i) =>
    attempt(`encoding ${i}`, () => {
      const parts = sealed.encode(sealed.layout(c.entry, c.isolated), c.content).map(hex);
      expect(`encoding ${i}`, parts, c.parts);
    }),
  );
  vectors.sealed.forEach((c, i) =>
    attempt(`sealed ${i}`, () => {
      const { entry, randomness } = sealed.sealEntry({
        key: vectors.election_key,
        layout: sealed.layout(c.entry, c.isolated),
        content: c.content,
        context: vectors.context,
        category: c.category,
        tracker: c.tracker,
        recused: c.recused,
        randomness: c.randomness,
      });
      expect(`sealed ${i} entry`, entry, c.sealed);
      expect(`sealed ${i} randomness`, randomness, c.randomness.map((p) => p.r));
      expect(`sealed ${i} receipt`, sealed.receipt(c.category, entry), c.receipt);
      // The JSON text itself, key order included: the page posts the entry as it is.
      expect(`sealed ${i} order`, Object.keys(entry), Object.keys(c.sealed));
    }),
  );
  vectors.refused.forEach((c, i) => {
    try {
      sealed.encode(sealed.layout(c.entry, c.isolated), c.content);
      failures.push(`refused ${i}: taken`);
    } catch {
      // refused, as by Python
    }
  });
  return failures;
}

/** A 12-category ballot (approval over 330 nominees with 3 isolated, in three categories; five
 * ranked and four scored of 10), as the booth's worker receives it. */
export function twelveCategories() {
  const nominees = (p, n) => Array.from({ length: n }, (_x, i) => ({ id: `${p}${i}` }));
  const categories = [];
  for (let c = 0; c < 12; c++) {
    let entry;
    let content;
    let isolated = [];
    if (c < 3) {
      entry = { method: "approval", nominees: nominees("n", 330) };
      isolated = ["n3", "n100", "n200"];
      content = { approve: ["n1", "n100", "n17", "n250"] };
    } else if (c < 8) {
      entry = { method: "schulze", nominees: nominees("r", 10) };
      content = { ranking: ["r3", "r1", "r7"] };
    } else {
      entry = { method: "score_mean", nominees: nominees("s", 10), score_min: 1, score_max: 10 };
      content = { scores: { s1: 9, s4: 3 } };
    }
    categories.push({ category: `c${c}`, entry, isolated, recused: [], tracker: `t${c}`, content });
  }
  return categories;
}

export function timeBallot(sealed, key, context) {
  const run = () => {
    const start = performance.now();
    let parts = 0;
    for (const c of twelveCategories()) {
      const layout = sealed.layout(c.entry, c.isolated);
      parts += layout.parts.length;
      sealed.sealEntry({ key, layout, content: c.content, context, category: c.category, tracker: c.tracker });
    }
    return { ms: performance.now() - start, parts };
  };
  const first = run(); // builds the key's window table
  const again = [run(), run(), run()].map((r) => r.ms);
  return { parts: first.parts, firstMs: first.ms, againMs: Math.min(...again) };
}
