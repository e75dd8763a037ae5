// The booth's page side, in a booth round (awards/voting/booth_casting.py): reads the juror's
// choices from the ballot form, which is never submitted (method "dialog"), checks them as the
// server would check a plaintext ballot (the server cannot: it never sees one), has worker.js
// encrypt them off the page's thread, and sends only the encrypted ballots. Before casting, the
// juror may have the encryption opened instead (a Benaloh challenge): the worker reveals its
// randomness in a file the auditor's verifier checks, and that encryption is never sent.
// Without JavaScript there is no booth: the page says so and nothing is sent.

const RANKED = ["borda", "irv", "schulze"];

function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
}

// The juror's choices in one category, as casting.read_form reads the plaintext form, or an
// error message in the same words. `fieldset` is the category's fieldset of the ballot form.
function readCategory(fieldset, words) {
  const field = fieldset.dataset.field;
  const method = fieldset.dataset.method;
  const abstain = fieldset.querySelector(`input[name="${field}.abstain"]`);
  const nominees = [...fieldset.querySelectorAll("li.nominee")];
  if (method === "approval") {
    const chosen = [...fieldset.querySelectorAll(`input[name="${field}"]`)]
      .filter((box) => box.checked && !box.disabled)
      .map((box) => box.value);
    if (abstain && abstain.checked) {
      return chosen.length ? { error: words.errors.both } : { content: { abstain: true } };
    }
    const max = Number(fieldset.dataset.max || 0);
    if (max && chosen.length > max) return { error: fill(words.errors.over, { max }) };
    return { content: { approve: [...new Set(chosen)].sort() } };
  }
  const numbers = {};
  for (const item of nominees) {
    const input = item.querySelector("input[type=number]");
    if (!input || input.disabled || input.value.trim() === "") continue;
    const text = input.value.trim();
    if (!/^-?[0-9]{1,15}$/.test(text)) return { error: fill(words.errors.whole, { value: text }) };
    numbers[input.name.slice(field.length + 1)] = Number(text);
  }
  const given = Object.keys(numbers);
  if (abstain && abstain.checked) {
    return given.length ? { error: words.errors.both } : { content: { abstain: true } };
  }
  if (RANKED.includes(method)) {
    const ranks = Object.values(numbers);
    if (ranks.some((rank) => rank < 1)) return { error: words.errors.rank_start };
    if (new Set(ranks).size !== ranks.length) return { error: words.errors.rank_twice };
    if (!given.length) return { error: words.errors.rank_none };
    return { content: { ranking: given.sort((a, b) => numbers[a] - numbers[b]) } };
  }
  const lo = Number(fieldset.dataset.min);
  const hi = Number(fieldset.dataset.maxScore);
  if (!given.length) return { error: words.errors.score_none };
  if (given.some((key) => numbers[key] < lo || numbers[key] > hi)) {
    return { error: fill(words.errors.score_range, { lo, hi }) };
  }
  return { content: { scores: numbers } };
}

// What the juror chose, in words, for the review table.
function describe(fieldset, content, words) {
  if (content.abstain) return words.abstain;
  const label = (key) => {
    const input = fieldset.querySelector(`input[value="${key}"], input[name$=".${key}"]`);
    const item = input && input.closest("li.nominee");
    const title = item && item.querySelector(".nominee-card strong");
    return (title || item || { textContent: key }).textContent.trim();
  };
  if (content.approve) return content.approve.map(label).join(words.joiner) || words.none;
  if (content.ranking) return content.ranking.map((key, i) => `${i + 1}. ${label(key)}`).join("  ");
  return Object.entries(content.scores)
    .map(([key, score]) => `${label(key)}: ${score}`)
    .join(words.joiner);
}

// One step at a time: the form (part null), the encrypted ballot, the opened one, the cast.
function show(booth, part) {
  for (const name of ["booth-review", "booth-revealed", "booth-done"]) {
    booth.querySelector(`.${name}`).hidden = name !== part;
  }
  document.querySelectorAll("#ballot, .ballot-menu").forEach((node) => {
    node.hidden = part !== null;
  });
  booth.hidden = part === null;
  const heading = part && booth.querySelector(`.${part} h2`);
  if (heading) heading.focus();
}

function status(booth, text) {
  const line = booth.querySelector(".booth-status");
  line.textContent = text || "";
  line.hidden = !text;
}

function problem(booth, text) {
  const line = booth.querySelector(".booth-problem");
  line.textContent = text || "";
  line.hidden = !text;
  if (text) {
    booth.hidden = false;
    line.scrollIntoView({ block: "center" });
  }
}

// Every mistake at once, as the server's ballot page lists them: a list at the top, linking to
// each category, and the message in the category itself.
function showErrors(form, errors, words) {
  document.getElementById("booth-errors")?.remove();
  form.querySelectorAll(".booth-error").forEach((node) => node.remove());
  form.querySelectorAll("fieldset.has-error").forEach((node) => node.classList.remove("has-error"));
  const states = JSON.parse(form.dataset.words).states;
  for (const [fieldset, message] of errors) {
    fieldset.classList.add("has-error");
    // The menu marks it "to correct", as the server's ballot page does (ballot.js updates the
    // mark again once the juror changes the category).
    const label = document.querySelector(`.ballot-menu .state[data-category="${fieldset.id}"]`);
    if (label) {
      label.className = "state state-fix";
      label.dataset.state = "fix";
      label.textContent = states.fix;
    }
    const line = document.createElement("p");
    line.className = "error booth-error";
    line.setAttribute("role", "alert");
    line.textContent = message;
    fieldset.querySelector("legend").after(line);
  }
  if (!errors.length) return;
  const summary = document.createElement("div");
  summary.className = "alert";
  summary.id = "booth-errors";
  summary.setAttribute("role", "alert");
  summary.tabIndex = -1;
  const heading = document.createElement("p");
  heading.textContent = words.summary;
  const list = document.createElement("ul");
  for (const [fieldset, message] of errors) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = `#${fieldset.id}`;
    link.textContent = fieldset.querySelector("legend").textContent.trim();
    item.append(link, document.createElement("br"), message);
    list.append(item);
  }
  summary.append(heading, list);
  document.querySelector(".ballot-menu").before(summary);
  summary.scrollIntoView({ block: "start" });
  summary.focus();
}

// The table's rows, the columns from `codes` on written as code (trackers, receipts).
// On a phone each row is a card, each cell under its column's name (app.css, table.trackers).
function rows(table, cells, codes) {
  const names = [...table.querySelectorAll("thead th")].map((th) => th.textContent);
  const body = table.querySelector("tbody");
  body.replaceChildren();
  for (const values of cells) {
    const row = body.insertRow();
    values.forEach((value, i) => {
      const cell = row.insertCell();
      if (i > 0) cell.dataset.label = names[i];
      if (i >= codes) {
        const code = document.createElement("code");
        code.textContent = value;
        cell.append(code);
      } else {
        cell.textContent = value;
      }
    });
  }
}

// Why the server refused, in its words: its JSON errors are {"error", "fields"?: {category:
// message}} (awards/app.py); the status text only when the answer is not one of them.
function reason(body, answer) {
  const fields = Object.entries(body.fields || {}).map(([code, text]) => `${code}: ${text}`);
  return [body.error || answer.statusText, ...fields].join(" ");
}

function download(link, text, type) {
  if (link.href) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([text], { type }));
}

function setUp(form) {
  const booth = document.getElementById("booth");
  const words = JSON.parse(booth.dataset.words);
  const button = form.querySelector(".ballot-bar button[type=submit]");
  const token = form.querySelector('input[name="_csrf_token"]').value;
  const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  let definition = null;
  let sealed = null; // the last encryption, until it is cast or opened
  let asked = 0;
  const waiting = new Map();

  worker.onmessage = ({ data }) => {
    const settle = waiting.get(data.id);
    waiting.delete(data.id);
    if (settle) settle(data);
  };
  const ask = (message) =>
    new Promise((resolve) => {
      asked += 1;
      waiting.set(asked, resolve);
      worker.postMessage({ ...message, id: asked });
    });

  async function load() {
    const answer = await fetch(form.dataset.booth, { headers: { accept: "application/json" } });
    if (!answer.ok) throw new Error(reason(await answer.json().catch(() => ({})), answer));
    definition = await answer.json();
  }

  async function encrypt() {
    problem(booth, "");
    const errors = [];
    const categories = [];
    const byCode = new Map(definition.categories.map((category) => [category.id, category]));
    for (const fieldset of form.querySelectorAll("fieldset.category[data-code]")) {
      const category = byCode.get(fieldset.dataset.code);
      if (!category) continue;
      const read = readCategory(fieldset, words);
      if (read.error) errors.push([fieldset, read.error]);
      else categories.push({ fieldset, category, content: read.content });
    }
    showErrors(form, errors, words);
    if (errors.length) return;
    button.disabled = true;
    status(booth, words.encrypting);
    booth.hidden = false;
    const answer = await ask({
      type: "seal",
      key: definition.election_key,
      context: definition.context,
      categories: categories.map(({ category, content }) => ({
        category: category.id,
        entry: category.entry,
        isolated: category.isolated,
        recused: category.recused,
        tracker: category.tracker,
        content,
      })),
    });
    button.disabled = false;
    status(booth, "");
    if (answer.type !== "sealed") {
      problem(booth, fill(words.failed, { reason: answer.message || "" }));
      return;
    }
    sealed = answer;
    booth.querySelector(".booth-challenge").disabled = false;
    rows(
      booth.querySelector(".booth-ballot"),
      categories.map(({ fieldset, category, content }) => [
        fieldset.querySelector("legend").textContent.trim(),
        describe(fieldset, content, words),
        answer.receipts[category.id],
      ]),
      2,
    );
    show(booth, "booth-review");
  }

  async function cast() {
    if (!sealed) return;
    const castButton = booth.querySelector(".booth-cast");
    castButton.disabled = true;
    // Once sent, the ballot may be on the board even if no answer comes: opening it would hand
    // the juror the randomness of a cast ballot, a proof of the vote. It can only be cast.
    sealed.sent = true;
    worker.postMessage({ type: "forget" });
    booth.querySelector(".booth-challenge").disabled = true;
    status(booth, words.casting);
    let answer;
    try {
      answer = await fetch(form.dataset.cast, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json", "x-csrftoken": token },
        body: JSON.stringify({ ballots: sealed.entries }),
      });
    } catch (error) {
      castButton.disabled = false;
      status(booth, "");
      problem(booth, words.offline);
      return;
    }
    castButton.disabled = false;
    status(booth, "");
    const body = await answer.json().catch(() => ({}));
    if (!answer.ok) {
      problem(booth, reason(body, answer));
      if (answer.status === 409) await load(); // cast meanwhile elsewhere: the next trackers
      return;
    }
    const mine = sealed.receipts;
    sealed = null;
    const names = new Map(
      [...form.querySelectorAll("fieldset.category[data-code]")].map((fieldset) => [
        fieldset.dataset.code,
        fieldset.querySelector("legend").textContent.trim(),
      ]),
    );
    const cells = Object.entries(body.trackers).map(([code, tracker]) => [
      names.get(code) || code,
      tracker,
      body.receipts[code],
    ]);
    // Every category sealed must come back with its receipt: one left out was not stored as sent.
    if (Object.keys(mine).some((code) => body.receipts?.[code] !== mine[code])) {
      problem(booth, words.mismatch);
    }
    rows(booth.querySelector(".booth-trackers"), cells, 1);
    download(
      booth.querySelector(".booth-save"),
      `${document.querySelector("h1").textContent}\r\n${cells.map((c) => c.join("\t")).join("\r\n")}\r\n`,
      "text/plain;charset=utf-8",
    );
    try {
      localStorage.removeItem(`awards.ballot.${form.dataset.round}.${form.dataset.juror}`);
    } catch (error) {
      /* nothing kept */
    }
    document.querySelectorAll(".restored, #booth-voted").forEach((node) => {
      node.hidden = true;
    });
    show(booth, "booth-done");
    await load(); // a vote cast again takes the next trackers
  }

  async function challenge() {
    if (!sealed || sealed.sent) return;
    sealed = null; // before the worker answers: a click on "cast" meanwhile sends nothing
    const answer = await ask({ type: "reveal" });
    if (answer.type !== "revealed") {
      problem(booth, fill(words.failed, { reason: answer.message || "" }));
      return;
    }
    download(
      booth.querySelector(".booth-download"),
      JSON.stringify(answer.challenge, null, 1),
      "application/json",
    );
    show(booth, "booth-revealed");
  }

  function back() {
    if (sealed) worker.postMessage({ type: "forget" });
    sealed = null;
    problem(booth, "");
    show(booth, null);
    button.focus();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault(); // never sent: method "dialog" already sends nothing
    if (definition) encrypt();
  });
  booth.querySelector(".booth-cast").addEventListener("click", cast);
  booth.querySelector(".booth-challenge").addEventListener("click", challenge);
  booth.querySelectorAll(".booth-back").forEach((node) => node.addEventListener("click", back));
  load().then(
    () => {
      button.disabled = false;
    },
    (error) => problem(booth, fill(words.failed, { reason: error.message })),
  );
}

const ballot = document.getElementById("ballot");
if (ballot && ballot.dataset.booth) setUp(ballot);
