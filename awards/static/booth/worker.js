// The booth's worker (a module worker): seals a ballot off the page's thread and keeps the
// randomness of the last seal only, until the juror casts it (forget) or challenges it
// (reveal: the challenge document of docs/booth.md, which `python -m ballots challenge`
// checks). The page never holds the randomness of a ballot it casts.
import { electionKey, layout, receipt, sealEntry } from "./sealed.js";

let last = null;

function seal({ key, context, categories }) {
  const start = performance.now();
  const election = electionKey(key);
  const entries = {};
  const receipts = {};
  const revealed = [];
  for (const c of categories) {
    const recused = c.recused ?? [];
    const isolated = c.isolated ?? [];
    const { entry, randomness } = sealEntry({
      key: election,
      layout: layout(c.entry, isolated),
      content: c.content,
      context,
      category: c.category,
      tracker: c.tracker,
      recused,
    });
    entries[c.category] = entry;
    receipts[c.category] = receipt(c.category, entry);
    revealed.push({
      category: c.category,
      entry: c.entry,
      isolated,
      recused,
      content: c.content,
      randomness,
      ballot: entry,
      receipt: receipts[c.category],
    });
  }
  last = { format: "awards-booth-challenge/1", election_key: key, context, categories: revealed };
  return { entries, receipts, ms: performance.now() - start };
}

self.onmessage = ({ data }) => {
  const id = data?.id;
  try {
    if (data?.type === "seal") {
      last = null; // a failed seal leaves nothing to reveal
      self.postMessage({ type: "sealed", id, ...seal(data) });
    } else if (data?.type === "reveal") {
      if (last === null) throw new Error("no sealed ballot to reveal");
      const challenge = last;
      last = null;
      self.postMessage({ type: "revealed", id, challenge });
    } else if (data?.type === "forget") {
      last = null;
    } else {
      throw new Error(`unknown message ${data?.type}`);
    }
  } catch (error) {
    self.postMessage({ type: "error", id, message: String(error?.message ?? error) });
  }
};
