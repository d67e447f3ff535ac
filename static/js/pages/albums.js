// Album dashboard: the catalog in rank order, page by page; admins add, edit, delete.
import { request } from "../api.js";
import { requireSession } from "../shell.js";
import { confirmDialog } from "../dialog.js";
import { clearErrors, showErrors, showProblem, value, whileBusy } from "../forms.js";
import * as rules from "../validation.js";

const PAGE_SIZE = 25;
const FIELDS = ["rank", "title", "artist", "year", "genre"];

const tbody = document.getElementById("albums-body");
const loadMore = document.getElementById("load-more");
const listStatus = document.getElementById("list-status");
const notice = document.getElementById("notice");
const pageError = document.getElementById("page-error");
const tableRegion = document.querySelector(".table-wrap");
const addButton = document.getElementById("add-album");
const actionsHeading = document.getElementById("actions-heading");
const albumDialog = document.getElementById("album-dialog");
const albumForm = document.getElementById("album-form");
const albumDialogTitle = document.getElementById("album-dialog-title");
const deleteDialog = document.getElementById("delete-dialog");
const deleteText = document.getElementById("delete-dialog-text");

const state = {
  albums: [], // the loaded albums plus those changed here, kept sorted by rank
  next: null,
  admin: false,
  editing: null, // the album being edited, or null when adding
  opener: null, // the button that opened the album dialog, to give focus back
};

if (requireSession()) start();

async function start() {
  loadMore.addEventListener("click", onLoadMore);
  addButton.addEventListener("click", (event) => openAlbumDialog(null, event.currentTarget));
  albumForm.addEventListener("submit", onSave);
  document.getElementById("album-cancel").addEventListener("click", () => albumDialog.close());
  albumDialog.addEventListener("close", onAlbumDialogClose);
  tbody.addEventListener("click", onRowAction);

  const [me] = await Promise.allSettled([request("/users/me", { auth: true }), loadPage()]);
  if (me.status === "fulfilled" && Array.isArray(me.value?.groups)) {
    setAdmin(me.value.groups.includes("admin"));
  }
}

function setAdmin(admin) {
  state.admin = admin;
  addButton.hidden = !admin;
  actionsHeading.hidden = !admin;
  render();
}

async function loadPage() {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (state.next) query.set("next", state.next);
  try {
    const page = await request(`/albums?${query}`, { auth: true });
    merge(Array.isArray(page?.items) ? page.items : []);
    state.next = typeof page?.next === "string" && page.next ? page.next : null;
    pageError.textContent = "";
  } catch (error) {
    pageError.textContent = error.detail || error.message;
    render();
    listStatus.textContent = "";
    return;
  }
  render();
}

async function onLoadMore() {
  loadMore.disabled = true;
  listStatus.textContent = "Loading more albums…";
  await loadPage();
  loadMore.disabled = false;
  // The button disappears after the last page; keep keyboard focus somewhere sensible.
  if (loadMore.hidden) tableRegion.focus();
}

// Merge by album_id so a page never shows an album twice (e.g. one just added here).
function merge(items) {
  const byId = new Map(state.albums.map((album) => [album.album_id, album]));
  for (const album of items) byId.set(album.album_id, album);
  state.albums = [...byId.values()].sort((a, b) => a.rank - b.rank);
}

function render() {
  const rows = state.albums.map((album, index) => renderRow(album, index));
  tbody.replaceChildren(...rows);
  loadMore.hidden = !state.next;
  const count = state.albums.length;
  const noun = count === 1 ? "album" : "albums";
  if (!count) listStatus.textContent = state.next ? "" : "No albums yet.";
  else listStatus.textContent = state.next ? `Showing ${count} ${noun}.` : `Showing all ${count} ${noun}.`;
}

function renderRow(album, index) {
  const row = document.createElement("tr");
  row.dataset.albumId = album.album_id;
  row.append(
    cell("td", String(album.rank), "num"),
    cell("td", album.title),
    cell("td", album.artist),
    cell("td", String(album.year), "num"),
    cell("td", album.genre),
  );
  const titleId = `album-title-${index}`;
  row.children[1].id = titleId;
  if (state.admin) {
    const actions = document.createElement("div");
    actions.className = "row-actions";
    actions.append(rowButton("Edit", "edit", "secondary", titleId), rowButton("Delete", "delete", "danger", titleId));
    const td = document.createElement("td");
    td.append(actions);
    row.append(td);
  }
  return row;
}

function cell(tag, text, className = "") {
  const element = document.createElement(tag);
  element.textContent = text;
  if (className) element.className = className;
  return element;
}

function rowButton(label, action, kind, describedBy) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = `button small ${kind}`;
  button.textContent = label;
  button.dataset.action = action;
  // The visible text stays "Edit"/"Delete"; the album title is read as its description.
  button.setAttribute("aria-describedby", describedBy);
  return button;
}

function onRowAction(event) {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const album = state.albums.find((a) => a.album_id === button.closest("tr").dataset.albumId);
  if (!album) return;
  if (button.dataset.action === "edit") openAlbumDialog(album, button);
  else deleteAlbum(album, button);
}

function openAlbumDialog(album, opener) {
  state.editing = album;
  state.opener = opener;
  albumDialogTitle.textContent = album ? "Edit album" : "Add album";
  albumForm.reset();
  clearErrors(albumForm);
  for (const field of FIELDS) {
    albumForm.elements.namedItem(field).value = album ? String(album[field]) : "";
  }
  albumDialog.showModal();
  albumForm.elements.namedItem("rank").focus();
}

function onAlbumDialogClose() {
  clearErrors(albumForm);
  const opener = state.opener;
  state.editing = null;
  state.opener = null;
  if (opener?.isConnected) opener.focus();
}

async function onSave(event) {
  event.preventDefault();
  const values = Object.fromEntries(FIELDS.map((field) => [field, value(albumForm, field)]));
  const problems = rules.album(values);
  if (problems.length) {
    showErrors(albumForm, problems);
    return;
  }
  clearErrors(albumForm);
  const body = { ...values, rank: Number(values.rank), year: Number(values.year) };
  const editing = state.editing;
  await whileBusy(albumForm, async () => {
    try {
      const saved = editing
        ? await request(`/albums/${encodeURIComponent(editing.album_id)}`, { method: "PUT", body, auth: true })
        : await request("/albums", { method: "POST", body, auth: true });
      merge([saved]);
      render();
      notice.textContent = editing ? `Saved “${saved.title}”.` : `Added “${saved.title}” at rank ${saved.rank}.`;
      pageError.textContent = "";
      // Give focus to the saved album's Edit button rather than the (re-rendered) opener.
      state.opener = tbody.querySelector(`tr[data-album-id="${CSS.escape(saved.album_id)}"] button`);
      albumDialog.close();
    } catch (error) {
      if (error.status === 404 && editing) {
        forget(editing);
        albumDialog.close();
        pageError.textContent = "That album no longer exists.";
        return;
      }
      showProblem(albumForm, error);
    }
  });
}

async function deleteAlbum(album, button) {
  deleteText.textContent = `Delete “${album.title}” by ${album.artist}? This cannot be undone.`;
  if (!(await confirmDialog(deleteDialog))) return;
  button.disabled = true;
  try {
    await request(`/albums/${encodeURIComponent(album.album_id)}`, { method: "DELETE", auth: true });
    notice.textContent = `Deleted “${album.title}”.`;
    pageError.textContent = "";
    forget(album);
  } catch (error) {
    if (error.status === 404) {
      forget(album);
      notice.textContent = `“${album.title}” was already deleted.`;
    } else {
      button.disabled = false;
      pageError.textContent = error.detail || error.message;
      button.focus();
      return;
    }
  }
  tableRegion.focus();
}

function forget(album) {
  state.albums = state.albums.filter((a) => a.album_id !== album.album_id);
  render();
}
