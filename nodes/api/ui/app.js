// The camera's web page: live view, detections, controls, the signed-in wallet's photos and
// recordings, node health, and Sign In With Solana through any wallet-standard wallet.
// Plain JavaScript served from the binary: no build step, no CDN (the camera may be offline).
"use strict";

const SESSION_KEY = "mmoment.session";
const POLL_MS = { detections: 500, info: 1000, health: 2000, livepeer: 2000, recording: 1000 };

const $ = (id) => document.getElementById(id);

/** The signed-in session, kept for this tab only: {token, wallet, isOwner}. */
let session = loadSession();
/** Object URLs of the photo thumbnails shown, revoked when the list is redrawn. */
let thumbnailUrls = [];
let recording = false;

function loadSession() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY)) || null;
  } catch {
    return null;
  }
}

function saveSession(value) {
  session = value;
  if (value) sessionStorage.setItem(SESSION_KEY, JSON.stringify(value));
  else sessionStorage.removeItem(SESSION_KEY);
}

// ---- HTTP --------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Whether the camera still knows this page's session. */
async function sessionAlive() {
  const response = await fetch("/api/session/status", {
    headers: { Authorization: `Bearer ${session.token}` },
    cache: "no-store",
  });
  return response.ok;
}

/** A request to this camera's API: the JSON reply, or an ApiError with the server's words. */
async function api(path, { method = "GET", body, raw = false } = {}) {
  const headers = {};
  if (session) headers.Authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
  });
  if ((response.status === 401 || response.status === 403) && session && !(await sessionAlive())) {
    // The session ended (expired, revoked, or the camera forgot it): 403 says so, as it
    // also says "not yours"; the session's own status tells which.
    signedOut("Your session ended; sign in again.");
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      message = (await response.json()).error || message;
    } catch {
      // Not JSON: keep the status line.
    }
    throw new ApiError(response.status, message);
  }
  return raw ? response : response.json();
}

function showMessage(text, isError = false) {
  const message = $("message");
  message.textContent = text;
  message.className = isError ? "error" : "";
  message.hidden = !text;
}

/** Runs `task` now and every `ms`, one run at a time. */
function every(ms, task) {
  const run = async () => {
    try {
      await task();
    } catch (error) {
      console.debug(error);
    }
    setTimeout(run, ms);
  };
  run();
}

// ---- Wallets (the wallet-standard app side) -----------------------------------------------

/** Wallets that registered themselves: the wallet standard's `register`. */
const wallets = [];

function registerWallet(...registered) {
  for (const wallet of registered) {
    if (!wallets.includes(wallet) && isSolanaWallet(wallet)) wallets.push(wallet);
  }
  renderWallets();
  return () => {
    for (const wallet of registered) {
      const index = wallets.indexOf(wallet);
      if (index >= 0) wallets.splice(index, 1);
    }
    renderWallets();
  };
}

function isSolanaWallet(wallet) {
  const features = wallet.features || {};
  return Boolean(features["solana:signIn"] || features["solana:signMessage"]);
}

function discoverWallets() {
  const appApi = Object.freeze({ register: registerWallet });
  window.addEventListener("wallet-standard:register-wallet", (event) => {
    try {
      event.detail(appApi);
    } catch (error) {
      console.warn("a wallet failed to register", error);
    }
  });
  window.dispatchEvent(new CustomEvent("wallet-standard:app-ready", { detail: appApi }));
}

function renderWallets() {
  const select = $("wallet-select");
  select.replaceChildren(
    ...wallets.map((wallet, index) => new Option(wallet.name, String(index))),
  );
  select.hidden = wallets.length < 2;
  $("sign-in").disabled = wallets.length === 0;
  $("sign-in").title = wallets.length ? "" : "No Solana wallet found in this browser";
}

/** The account a wallet offers, connecting first when it has none yet. */
async function walletAccount(wallet) {
  if (wallet.accounts && wallet.accounts.length) return wallet.accounts[0];
  const connect = wallet.features["standard:connect"];
  if (!connect) throw new Error(`${wallet.name} cannot connect`);
  const { accounts } = await connect.connect();
  if (!accounts.length) throw new Error(`${wallet.name} offered no account`);
  return accounts[0];
}

const bytes = (value) => Array.from(value);

/** Signs in with `wallet`: the camera's challenge, signed by the wallet, for a session. */
async function signIn(wallet) {
  const account = await walletAccount(wallet);
  const challenge = await api(
    `/api/session/challenge?wallet_address=${encodeURIComponent(account.address)}`,
  );
  let proof;
  const signInFeature = wallet.features["solana:signIn"];
  if (signInFeature) {
    const [output] = await signInFeature.signIn(challenge.sign_in_input);
    proof = {
      signedMessage: bytes(output.signedMessage),
      signature: bytes(output.signature),
      account: { address: output.account.address, publicKey: bytes(output.account.publicKey) },
    };
  } else {
    const message = new TextEncoder().encode(challenge.message);
    const [output] = await wallet.features["solana:signMessage"].signMessage({ account, message });
    proof = {
      wallet_address: account.address,
      message: challenge.message,
      signature: bytes(output.signature),
    };
  }
  const connected = await api("/api/session/connect", { method: "POST", body: proof });
  saveSession({
    token: connected.session_id,
    wallet: connected.wallet_address,
    isOwner: connected.is_owner,
  });
  signedIn();
}

async function signOut() {
  try {
    await api("/api/session/disconnect", { method: "POST" });
  } catch (error) {
    console.debug(error);
  }
  signedOut("");
}

function signedIn() {
  $("signed-out").hidden = true;
  $("signed-in").hidden = false;
  $("wallet-address").textContent = shortAddress(session.wallet);
  $("wallet-address").title = session.wallet;
  $("owner-badge").hidden = !session.isOwner;
  $("library").hidden = false;
  $("controls-hint").hidden = true;
  for (const id of ["photo", "record"]) $(id).disabled = false;
  for (const id of ["livepeer-start", "livepeer-stop"]) $(id).disabled = !session.isOwner;
  showMessage("");
  startLiveView();
  refreshLibrary();
}

function signedOut(why) {
  saveSession(null);
  $("signed-out").hidden = false;
  $("signed-in").hidden = true;
  $("library").hidden = true;
  $("controls-hint").hidden = false;
  for (const id of ["photo", "record", "livepeer-start", "livepeer-stop"]) $(id).disabled = true;
  clearThumbnails();
  showMessage(why, Boolean(why));
}

function shortAddress(address) {
  return address.length > 12 ? `${address.slice(0, 4)}…${address.slice(-4)}` : address;
}

// ---- Live view ------------------------------------------------------------------------------

/** (Re)opens the MJPEG stream; a private stream takes the session's token in the query. */
function startLiveView() {
  const live = $("live");
  const query = session ? `?token=${encodeURIComponent(session.token)}` : "";
  live.src = `/stream${query}`;
}

function watchLiveView() {
  const live = $("live");
  live.addEventListener("error", () => setTimeout(startLiveView, 2000));
  startLiveView();
}

async function refreshStreamInfo() {
  const info = await api("/api/stream/info");
  $("camera-id").textContent = info.playbackId;
  const state = info.isActive ? "live" : "no frames";
  const sequence = info.lastSequence ?? "–";
  $("stream-info").textContent =
    `${state} · ${info.resolution} · ${info.fps} fps · frame ${sequence} · ${info.viewers} viewer(s)`;
  $("stream-info").dataset.sequence = String(info.lastSequence ?? "");
  // What the camera does to the faces it shows, visible before anything is read or toggled.
  const privacy = $("privacy-badge");
  privacy.textContent = info.blurUnknownFaces ? "unknown faces blurred" : "faces not blurred";
  privacy.className = `badge ${info.blurUnknownFaces ? "ok" : "degraded"}`;
  const boxes = $("boxes-badge");
  boxes.textContent = info.faceBoxes ? "face boxes on" : "face boxes off";
  boxes.className = "badge";
}

// ---- Detections -----------------------------------------------------------------------------

async function refreshDetections() {
  let detections = null;
  try {
    detections = await api("/api/face/detections");
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 503) throw error;
  }
  if (!detections) {
    for (const id of ["faces", "hands", "persons", "names"]) $(id).textContent = "–";
  } else {
    $("faces").textContent = detections.faces.length;
    $("hands").textContent = detections.hands.length;
    $("persons").textContent = detections.persons.length;
    const names = detections.faces.map((face) => face.display_name).filter(Boolean);
    $("names").textContent = names.length ? names.join(", ") : "–";
  }
  const gesture = await api("/api/gesture/current");
  $("gesture").textContent =
    gesture.gesture === "none" ? "–" : `${gesture.gesture} (${Math.round(gesture.confidence * 100)} %)`;
}

// ---- Health ---------------------------------------------------------------------------------

async function refreshHealth() {
  let health;
  try {
    health = await api("/api/health");
  } catch (error) {
    // 503 still carries the report.
    const badge = $("health-badge");
    badge.textContent = error.status === 503 ? "no frames" : "unreachable";
    badge.className = "badge error";
    return;
  }
  const badge = $("health-badge");
  badge.textContent = health.status;
  badge.className = `badge ${health.status}`;
  badge.title = health.reason || "";
  const rows = Object.entries(health.nodes).map(([name, node]) => {
    const row = document.createElement("tr");
    const cells = [name, node.alive ? node.state : "down", node.fps.toFixed(1), node.restarts];
    for (const value of cells) {
      const cell = document.createElement("td");
      cell.textContent = String(value);
      row.append(cell);
    }
    if (!node.alive) row.children[1].className = "dead";
    return row;
  });
  document.querySelector("#nodes tbody").replaceChildren(...rows);
}

// ---- Controls -------------------------------------------------------------------------------

async function takePhoto() {
  $("photo").disabled = true;
  try {
    const photo = await api("/api/capture", { method: "POST" });
    showMessage(`Photo saved: ${photo.name}`);
    await refreshPhotos();
  } finally {
    $("photo").disabled = !session;
  }
}

async function toggleRecording() {
  const action = recording ? "stop" : "start";
  const reply = await api("/api/record", { method: "POST", body: { action } });
  showRecording(reply.recording);
  if (action === "stop") await refreshVideos();
}

function showRecording(state) {
  recording = state.is_recording;
  $("record").textContent = recording ? "Stop recording" : "Start recording";
  $("record").classList.toggle("active", recording);
  $("recording-state").textContent = state.name
    ? `${state.state} · ${state.name} · ${state.duration_s.toFixed(1)} s`
    : state.state;
}

async function refreshRecording() {
  const status = await api("/api/status");
  const wasRecording = recording;
  recording = status.data.isRecording;
  if (wasRecording !== recording) {
    $("record").textContent = recording ? "Stop recording" : "Start recording";
    $("record").classList.toggle("active", recording);
    if (!recording && session) await refreshVideos();
  }
}

async function livepeer(action) {
  const status = await api(`/api/stream/livepeer/${action}`, { method: "POST" });
  showLivepeer(status);
}

function showLivepeer(status) {
  const parts = [status.state];
  if (status.is_streaming) parts.push(`${Math.round(status.bitrate_bps / 1000)} kbit/s`);
  parts.push(`${status.frames_sent} frames`);
  if (status.reconnects) parts.push(`${status.reconnects} reconnects`);
  if (status.last_error) parts.push(status.last_error);
  $("livepeer-state").textContent = parts.join(" · ");
}

// ---- The wallet's photos and recordings ------------------------------------------------------

function clearThumbnails() {
  for (const url of thumbnailUrls) URL.revokeObjectURL(url);
  thumbnailUrls = [];
  $("photos").replaceChildren();
  $("videos").replaceChildren();
}

/** A file of this wallet as an object URL (the files need the session, which <img> can't send). */
async function fileUrl(url) {
  const response = await api(url, { raw: true });
  return URL.createObjectURL(await response.blob());
}

async function refreshPhotos() {
  const list = await api("/api/photos?limit=24");
  const figures = await Promise.all(
    list.items.map(async (item) => {
      const figure = document.createElement("figure");
      figure.dataset.name = item.name;
      const image = document.createElement("img");
      image.alt = item.name;
      const url = await fileUrl(item.url);
      thumbnailUrls.push(url);
      image.src = url;
      const caption = document.createElement("figcaption");
      caption.textContent = `${item.name} · ${Math.round(item.bytes / 1024)} KiB`;
      figure.append(image, caption);
      return figure;
    }),
  );
  $("photos").replaceChildren(...figures);
}

async function refreshVideos() {
  const list = await api("/api/videos?limit=50");
  const rows = list.items.map((item) => {
    const row = document.createElement("li");
    row.dataset.name = item.name;
    const play = document.createElement("button");
    play.type = "button";
    play.textContent = "Play";
    play.addEventListener("click", () => playVideo(item.url).catch(report));
    const label = document.createElement("span");
    const duration = item.duration_s == null ? "" : ` · ${item.duration_s.toFixed(1)} s`;
    label.textContent = `${item.name}${duration} · ${Math.round(item.bytes / 1024)} KiB`;
    row.append(play, label);
    return row;
  });
  $("videos").replaceChildren(...rows);
}

async function playVideo(url) {
  const player = $("player");
  if (player.src) URL.revokeObjectURL(player.src);
  player.src = await fileUrl(url);
  player.hidden = false;
  await player.play();
}

async function refreshLibrary() {
  await Promise.all([refreshPhotos(), refreshVideos()]);
}

function report(error) {
  showMessage(error.message || String(error), true);
}

// ---- Start ----------------------------------------------------------------------------------

function start() {
  $("sign-in").addEventListener("click", () => {
    const wallet = wallets[Number($("wallet-select").value) || 0];
    if (wallet) signIn(wallet).catch(report);
  });
  $("sign-out").addEventListener("click", () => signOut().catch(report));
  $("photo").addEventListener("click", () => takePhoto().catch(report));
  $("record").addEventListener("click", () => toggleRecording().catch(report));
  $("livepeer-start").addEventListener("click", () => livepeer("start").catch(report));
  $("livepeer-stop").addEventListener("click", () => livepeer("stop").catch(report));

  renderWallets();
  discoverWallets();
  if (session) signedIn();
  else signedOut("");
  watchLiveView();
  every(POLL_MS.info, refreshStreamInfo);
  every(POLL_MS.detections, refreshDetections);
  every(POLL_MS.health, refreshHealth);
  every(POLL_MS.livepeer, async () => showLivepeer(await api("/api/stream/livepeer/status")));
  every(POLL_MS.recording, refreshRecording);
}

start();
