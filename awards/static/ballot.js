// Enhancements for the ballot page. Everything works without this file: approval by checkboxes,
// ranking and scores by number inputs. With it: a live count of approvals, drag and drop to
// order a ranking (the rank numbers follow the new order), and a filter box over long lists (a
// nomination category may list hundreds of dramas, in an order of the juror's own).
"use strict";

const FILTER_FROM = 12; // nominees; shorter lists are read at a glance

function setUpFilter(fieldset) {
  const list = fieldset.querySelector("ol.nominees");
  const items = list ? [...list.querySelectorAll("li")] : [];
  if (items.length < FILTER_FROM) return;
  const box = document.createElement("input");
  box.type = "search"; // no name: never submitted with the ballot
  box.className = "filter";
  box.placeholder = fieldset.dataset.filterLabel;
  box.setAttribute("aria-label", fieldset.dataset.filterLabel);
  box.addEventListener("input", () => {
    const wanted = box.value.trim().toLocaleLowerCase();
    items.forEach((item) => {
      // Hidden, not removed: choices already made stay in the ballot.
      item.hidden = wanted !== "" && !item.textContent.toLocaleLowerCase().includes(wanted);
    });
  });
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter") event.preventDefault(); // Enter filters; it must not submit
  });
  list.before(box);
}

function setUpApproval(fieldset) {
  const max = Number(fieldset.dataset.max || 0);
  const boxes = fieldset.querySelectorAll('input[type="checkbox"]:not([name$=".abstain"])');
  const counter = fieldset.querySelector(".live-count");
  const update = () => {
    const chosen = [...boxes].filter((box) => box.checked).length;
    if (counter) counter.textContent = `${chosen} / ${max}`;
    fieldset.classList.toggle("over-limit", max > 0 && chosen > max);
  };
  boxes.forEach((box) => box.addEventListener("change", update));
  update();
}

function renumber(list) {
  // Items keep their rank only if they had one; the ranked ones are numbered in list order.
  let rank = 1;
  list.querySelectorAll("li").forEach((item) => {
    const input = item.querySelector("input.rank");
    if (input && input.value !== "") input.value = String(rank++);
  });
}

function setUpRanking(fieldset) {
  const list = fieldset.querySelector("ol.rankable");
  if (!list) return;
  let dragged = null;
  list.querySelectorAll("li").forEach((item) => {
    item.draggable = true;
    item.addEventListener("dragstart", () => { dragged = item; item.classList.add("dragging"); });
    item.addEventListener("dragend", () => { item.classList.remove("dragging"); dragged = null; });
    item.addEventListener("dragover", (event) => {
      event.preventDefault();
      if (!dragged || dragged === item) return;
      const box = item.getBoundingClientRect();
      list.insertBefore(dragged, event.clientY < box.top + box.height / 2 ? item : item.nextSibling);
    });
    item.addEventListener("drop", (event) => {
      event.preventDefault();
      const input = dragged && dragged.querySelector("input.rank");
      if (input && input.value === "") input.value = "0";
      renumber(list);
    });
  });
}

function setUpAbstain(fieldset) {
  const abstain = fieldset.querySelector('input[name$=".abstain"]');
  if (!abstain) return;
  const update = () => fieldset.classList.toggle("abstaining", abstain.checked);
  abstain.addEventListener("change", update);
  update();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("fieldset.category").forEach((fieldset) => {
    if (fieldset.dataset.method === "approval") setUpApproval(fieldset);
    if (["borda", "irv", "schulze"].includes(fieldset.dataset.method)) setUpRanking(fieldset);
    setUpAbstain(fieldset);
    setUpFilter(fieldset);
  });
});
