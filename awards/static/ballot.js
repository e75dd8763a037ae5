// Enhancements for the ballot page. Everything works without this file: approval by checkboxes,
// ranking and scores by number inputs. With it:
// - per category, a state in the menu at the top (voted, abstained, to do, to correct) and a
//   count of the categories done in the bar that stays at the bottom of the screen;
// - approval: a live count, and a message as soon as more are chosen than allowed;
// - ranking by tapping: "add to my ranking", then move up / move down / remove; the rank numbers
//   follow (typing numbers still works, and the next tap orders the list by them);
// - a filter box over long lists (a nomination category may list hundreds of dramas, in an
//   order of the juror's own), matching English titles too, which says when nothing matches.
"use strict";

const FILTER_FROM = 12; // nominees; shorter lists are read at a glance
const RANKED = ["borda", "irv", "schulze"];

function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
}

function setUpFilter(fieldset, words) {
  const list = fieldset.querySelector("ol.nominees");
  const items = list ? [...list.querySelectorAll("li")] : [];
  if (items.length < FILTER_FROM) return;
  const box = document.createElement("input");
  box.type = "search"; // no name: never submitted with the ballot
  box.className = "filter";
  box.placeholder = words.filter;
  box.setAttribute("aria-label", words.filter);
  const nothing = document.createElement("p");
  nothing.className = "filter-empty";
  nothing.setAttribute("role", "status");
  nothing.hidden = true;
  const texts = items.map((item) => `${item.textContent} ${item.dataset.search || ""}`.toLocaleLowerCase());
  box.addEventListener("input", () => {
    const wanted = box.value.trim().toLocaleLowerCase();
    let shown = 0;
    items.forEach((item, index) => {
      // Hidden, not removed: choices already made stay in the ballot.
      item.hidden = wanted !== "" && !texts[index].includes(wanted);
      if (!item.hidden) shown += 1;
    });
    nothing.hidden = shown > 0;
    nothing.textContent = shown > 0 ? "" : fill(words.nothing, { text: box.value.trim() });
  });
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter") event.preventDefault(); // Enter filters; it must not submit
  });
  list.before(box, nothing);
}

function chosenBoxes(fieldset) {
  return [...fieldset.querySelectorAll('input[type="checkbox"]:not([name$=".abstain"])')];
}

function setUpApproval(fieldset, words) {
  const max = Number(fieldset.dataset.max || 0);
  const counter = fieldset.querySelector(".live-count");
  const message = fieldset.querySelector(".over-limit-message");
  const update = () => {
    const chosen = chosenBoxes(fieldset).filter((box) => box.checked).length;
    const over = max > 0 && chosen > max;
    if (counter) counter.textContent = `${chosen} / ${max}`;
    fieldset.classList.toggle("over-limit", over);
    message.hidden = !over;
    message.textContent = over ? fill(words.over, { chosen, max }) : "";
  };
  fieldset.addEventListener("change", update);
  update();
}

function toolButton(className, text, label) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = `small ${className}`;
  button.textContent = text;
  if (label) button.setAttribute("aria-label", label);
  return button;
}

function setUpRanking(fieldset, words) {
  const list = fieldset.querySelector("ol.rankable");
  const items = [...list.querySelectorAll("li.nominee")];
  const input = (item) => item.querySelector("input.rank");
  // The ranking, as the numbers say: ranked first by number, ties and gaps in list order.
  const current = () => {
    const ranked = items.filter((item) => input(item).value.trim() !== "");
    const place = (item) => Number(input(item).value) || Infinity;
    return ranked.sort((a, b) => place(a) - place(b) || items.indexOf(a) - items.indexOf(b));
  };
  const show = () => {
    const order = current();
    items.forEach((item) => {
      const at = order.indexOf(item);
      item.classList.toggle("ranked", at >= 0);
      item.querySelector(".up").disabled = at <= 0;
      item.querySelector(".down").disabled = at < 0 || at === order.length - 1;
    });
  };
  // Number the ranking 1, 2, 3..., put it at the top in that order, the others after it in the
  // juror's order; keep the focus on the button that was used, which moved with its nominee.
  const apply = (order, focused) => {
    items.forEach((item) => {
      const at = order.indexOf(item);
      input(item).value = at >= 0 ? String(at + 1) : "";
    });
    [...order, ...items.filter((item) => !order.includes(item))].forEach((item) => list.append(item));
    show();
    if (focused) {
      const target = [focused, ...focused.parentElement.querySelectorAll("button")].find(
        (button) => button.offsetParent !== null && !button.disabled,
      );
      if (target) target.focus();
    }
    fieldset.dispatchEvent(new Event("input", { bubbles: true })); // kept, counted
  };
  items.forEach((item) => {
    const name = item.querySelector(".nominee-card strong").textContent;
    const tools = document.createElement("div");
    tools.className = "rank-tools";
    const add = toolButton("add", words.add, `${words.add}: ${name}`);
    // Short words on the buttons, so that the three fit a phone's width; full ones for screen
    // readers.
    const up = toolButton("up", `↑ ${words.short.up}`, `${words.up}: ${name}`);
    const down = toolButton("down", `↓ ${words.short.down}`, `${words.down}: ${name}`);
    const remove = toolButton("remove", words.short.remove, `${words.remove}: ${name}`);
    tools.append(add, up, down, remove);
    item.append(tools);
    const move = (by, button) => {
      const order = current();
      const at = order.indexOf(item);
      order.splice(at, 1);
      order.splice(Math.max(0, at + by), 0, item);
      apply(order, button);
    };
    add.addEventListener("click", () => apply([...current(), item], remove));
    up.addEventListener("click", () => move(-1, up));
    down.addEventListener("click", () => move(1, down));
    remove.addEventListener("click", () => apply(current().filter((other) => other !== item), add));
    // A tap on the nominee adds it; it never opens the phone's keyboard on the number.
    item.querySelector("label").addEventListener("click", (event) => {
      event.preventDefault();
      if (!item.classList.contains("ranked")) apply([...current(), item], remove);
    });
  });
  fieldset.addEventListener("input", (event) => {
    if (event.target.matches("input.rank")) show();
  });
  // Ranks from the server (back from the review page) are shown in their order; numbers with a
  // mistake to correct stay as they were typed.
  if (fieldset.classList.contains("has-error")) show();
  else apply(current(), null);
}

function stateOf(fieldset) {
  const abstain = fieldset.querySelector('input[name$=".abstain"]');
  if (abstain && abstain.checked) return "abstained";
  const method = fieldset.dataset.method;
  if (method === "approval") {
    const chosen = chosenBoxes(fieldset).filter((box) => box.checked).length;
    const max = Number(fieldset.dataset.max || 0);
    if (max > 0 && chosen > max) return "fix";
    return chosen > 0 ? "voted" : "todo";
  }
  const filled = [...fieldset.querySelectorAll("input.rank, input.score")].filter((i) => i.value !== "");
  if (filled.some((i) => !i.checkValidity())) return "fix"; // a score outside its range
  return filled.length > 0 ? "voted" : "todo";
}

function setUpProgress(form, words) {
  const fieldsets = [...form.querySelectorAll("fieldset.category")];
  const done = document.querySelector(".ballot-bar .done");
  const count = () => {
    const states = [...document.querySelectorAll(".ballot-menu .state")];
    done.textContent = String(
      states.filter((s) => ["voted", "abstained"].includes(s.dataset.state)).length,
    );
  };
  const update = (fieldset) => {
    const state = stateOf(fieldset);
    const label = document.querySelector(`.ballot-menu .state[data-category="${fieldset.id}"]`);
    label.dataset.state = state;
    label.className = `state state-${state}`;
    label.textContent = words.states[state];
    fieldset.classList.toggle("abstaining", state === "abstained");
  };
  document.querySelectorAll(".ballot-menu .state").forEach((label) => {
    label.dataset.state = label.className.replace(/.*state-/, "");
  });
  // Categories the server marked keep their mark until the juror changes them.
  fieldsets.filter((f) => !f.classList.contains("has-error")).forEach(update);
  count();
  const changed = (event) => {
    const fieldset = event.target.closest("fieldset.category");
    if (!fieldset) return;
    update(fieldset);
    count();
  };
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("ballot");
  if (!form) return;
  const words = JSON.parse(form.dataset.words);
  form.querySelectorAll("fieldset.category").forEach((fieldset) => {
    if (fieldset.dataset.method === "approval") setUpApproval(fieldset, words);
    if (RANKED.includes(fieldset.dataset.method)) setUpRanking(fieldset, words);
    setUpFilter(fieldset, words);
  });
  setUpProgress(form, words);
});
