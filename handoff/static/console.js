// The console page: numbered events over a websocket (replay on reconnect), offer alerts,
// and the agent's audio (mic -> PCM16 16 kHz -> websocket; websocket -> AudioWorklet).
// The DOM is built with createElement (no innerHTML: the page's CSP and user data).
"use strict";
const cfg = JSON.parse(document.getElementById("config").dataset.config);
const T = cfg.text;
const $ = (id) => document.getElementById(id);
const SEQ_KEY = "tc_seq_" + cfg.user_id;
window.tcStats = { events: [], customerBytes: 0, customerPeak: 0, played: false, alertShownAt: {} };
const wsBase = (location.protocol === "https:" ? "wss://" : "ws://") + location.host;

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k ?? "")));
  return e;
}

async function api(method, path, body) {
  const r = await fetch("/api/console" + path, {
    method, credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": cfg.csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!r.ok) throw new Error((await r.text()) || r.statusText);
  return r.json();
}

// ---------------------------------------------------------------- shared formatting
function secsSince(iso) { return Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 1000)); }
function clock(secs) {
  const h = Math.floor(secs / 3600), m = Math.floor((secs % 3600) / 60), s = secs % 60;
  const mm = String(m).padStart(h ? 2 : 1, "0"), ss = String(s).padStart(2, "0");
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}
function fmtScore(s) { return s === null || s === undefined || s === "" ? "—" : String(Math.round(s <= 1 ? s * 100 : s)); }
function gradeBadge(g) { return el("span", { class: "grade g-" + (g || "none") }, g || "—"); }
function statusText(st) { return st === "on_call" ? T.on_call_status : (T[st] || st); }
function speakerText(sp) { return T["speaker_" + sp] || sp; }
function chatRow(r) {
  return el("li", { class: "msg " + r.speaker }, el("span", { class: "who" }, speakerText(r.speaker)), el("span", { class: "text" }, r.text));
}
function scrollDown(list) { list.scrollTop = list.scrollHeight; }
// elements with data-since tick every second (durations, ages, time in state)
function tickAll() {
  for (const e of document.querySelectorAll("[data-since]")) e.textContent = (e.dataset.prefix || "") + clock(secsSince(e.dataset.since));
  for (const e of document.querySelectorAll("[data-until]")) {
    const left = Math.max(0, Math.ceil((Date.parse(e.dataset.until) - Date.now()) / 1000));
    e.textContent = T.offer_deadline.replace("{s}", left);
  }
}
setInterval(tickAll, 1000);

// ---------------------------------------------------------------- events
const handlers = {};
function on(kind, fn) { (handlers[kind] = handlers[kind] || []).push(fn); }
let lastSeq = Number(sessionStorage.getItem(SEQ_KEY) || 0);
let backoff = 250;
let eventsWs = null;
function connectEvents() {
  const ws = new WebSocket(wsBase + "/console/ws?after=" + lastSeq);
  eventsWs = ws;
  ws.onopen = () => { backoff = 250; $("conn").textContent = T.online; $("conn").className = "conn ok"; };
  ws.onmessage = (m) => {
    const ev = JSON.parse(m.data);
    if (ev.seq != null) {
      if (ev.seq <= lastSeq) return; // seen already (replay overlap)
      lastSeq = ev.seq;
      sessionStorage.setItem(SEQ_KEY, String(lastSeq));
    } else if (ev.kind === "hello" && lastSeq === 0) {
      lastSeq = ev.last_seq; sessionStorage.setItem(SEQ_KEY, String(lastSeq));
    }
    window.tcStats.events.push(ev.kind);
    for (const fn of handlers[ev.kind] || []) fn(ev.data || ev, ev);
  };
  ws.onclose = (e) => {
    $("conn").textContent = T.offline_conn; $("conn").className = "conn bad";
    if (e.code === 1008) { location.href = "/console/login"; return; }
    setTimeout(connectEvents, backoff); backoff = Math.min(backoff * 2, 5000);
  };
}
function sendEvent(obj) { if (eventsWs && eventsWs.readyState === 1) eventsWs.send(JSON.stringify(obj)); }

// ---------------------------------------------------------------- audio
let ctx = null, player = null, audioWs = null, micNode = null, micStream = null;
// the agent's mic goes to the server only from the accept click to the end of the call
let sending = false;
let level = 0; // the customer's recent peak, 0..1, for the meter
async function ensureAudioContext() {
  if (!ctx) {
    ctx = new AudioContext({ sampleRate: 16000, latencyHint: "interactive" });
    await ctx.audioWorklet.addModule("/console/static/audio-worklet.js");
    player = new AudioWorkletNode(ctx, "pcm-player", { processorOptions: { capMs: cfg.latency_cap_ms }, outputChannelCount: [1] });
    player.port.onmessage = (e) => { if (e.data.played) window.tcStats.played = true; };
    player.connect(ctx.destination);
  }
  if (ctx.state !== "running") await ctx.resume();
  return ctx;
}
function playFrame(buf) {
  const ch = new Uint8Array(buf, 0, 1)[0];
  const pcm = buf.slice(1);
  if (ch === 0) {
    window.tcStats.customerBytes += pcm.byteLength;
    const s = new Int16Array(pcm);
    let peak = 0; for (let i = 0; i < s.length; i++) peak = Math.max(peak, Math.abs(s[i]));
    window.tcStats.customerPeak = Math.max(window.tcStats.customerPeak, peak);
    level = Math.max(level, peak / 32768);
  }
  if (player) player.port.postMessage({ ch, pcm }, [pcm]);
}
setInterval(() => {
  const bar = $("level");
  if (bar) bar.style.width = Math.min(100, Math.round(Math.sqrt(level) * 100)) + "%";
  level *= 0.6;
}, 100);
async function startMic(path) {
  await ensureAudioContext();
  if (!micStream) {
    micStream = await navigator.mediaDevices.getUserMedia({ audio: {
      channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
  }
  const ws = new WebSocket(wsBase + path);
  ws.binaryType = "arraybuffer";
  ws.onmessage = (m) => { if (m.data instanceof ArrayBuffer) playFrame(m.data); };
  if (!micNode) {
    micNode = new AudioWorkletNode(ctx, "mic-capture");
    ctx.createMediaStreamSource(micStream).connect(micNode);
  }
  micNode.port.onmessage = (e) => {
    if (ws.readyState !== 1 || !(sending || path !== "/console/audio")) return;
    if (!window.tcStats.firstSentAt) window.tcStats.firstSentAt = performance.timeOrigin + performance.now();
    ws.send(e.data);
  };
  return ws;
}
async function startListening(path) {
  await ensureAudioContext();
  const ws = new WebSocket(wsBase + path);
  ws.binaryType = "arraybuffer";
  ws.onmessage = (m) => { if (m.data instanceof ArrayBuffer) playFrame(m.data); };
  return ws;
}
function beep() {
  if (!ctx) return;
  const o = ctx.createOscillator(), g = ctx.createGain();
  o.frequency.value = 880; g.gain.value = 0.1;
  o.connect(g).connect(ctx.destination); o.start(); o.stop(ctx.currentTime + 0.25);
}

async function refreshFollowUps() {
  const list = $("follow-ups");
  if (!list) return;
  const mine = cfg.role === "agent" ? await api("GET", "/follow-ups?status=claimed").catch(() => []) : [];
  const open = await api("GET", "/follow-ups?status=open").catch(() => []);
  const row = (t) => el("li", { "data-id": t.id },
    el("div", { class: "task-head" }, gradeBadge(t.grade), el("span", { class: "task-reason" }, t.reason)),
    el("div", { class: "muted" }, `${T.callback_at}: ${new Date(t.callback_at).toLocaleString(cfg.lang === "zh" ? "zh-CN" : "en")}`),
    ...(cfg.role !== "agent" ? [] : [el("div", { class: "task-actions" }, ...(t.status === "open"
      ? [el("button", { type: "button", class: "small", onclick: () => api("POST", `/follow-ups/${t.id}/claim`).then(refreshFollowUps) }, T.claim)]
      : [el("button", { type: "button", class: "small", onclick: () => api("POST", `/follow-ups/${t.id}/call-back`).catch((e) => alert(e.message)) }, T.call_back),
         el("button", { type: "button", class: "small ghost-dark", onclick: () => api("POST", `/follow-ups/${t.id}/complete`, { outcome: "done", notes: "" }).then(refreshFollowUps) }, T.complete)]))]));
  const rows = [...mine.map(row), ...open.map(row)];
  list.replaceChildren(...(rows.length ? rows : [el("li", { class: "empty" }, list.dataset.empty)]));
}
window.TC = { cfg, T, $, el, api, on, sendEvent, connectEvents, ensureAudioContext, startMic, startListening, beep,
  refreshFollowUps, clock, secsSince, fmtScore, gradeBadge, statusText, chatRow, scrollDown, tickAll };

// ---------------------------------------------------------------- agent page
function cardBody(o, inCall) {
  const c = o.customer || {};
  const reasons = (o.reasons || []).map((r) => (cfg.lang === "zh" ? r.text : r.text_en) || r.code);
  return [
    el("div", { class: "card-top" },
      el("div", {}, el("h3", {}, c.name || "—"), el("div", { class: "phone" }, c.phone || "")),
      el("div", { class: "score" }, gradeBadge(o.grade), el("span", { class: "score-num" }, fmtScore(o.score)), el("span", { class: "muted" }, T.score))),
    el("dl", { class: "facts" },
      el("dt", {}, T.segment), el("dd", {}, c.segment || "—"),
      el("dt", {}, T.star), el("dd", {}, c.star_level ?? "—"),
      el("dt", {}, T.state), el("dd", {}, o.state || "—"),
      ...(inCall ? [] : [el("dt", {}, T.waiting), el("dd", { "data-since": o.requested_at }, clock(secsSince(o.requested_at)))])),
    el("ul", { class: "reasons" }, ...reasons.map((r) => el("li", {}, r))),
  ];
}
const offered = {}; // call_sid -> the offer as last shown
let current = null;
let presence = cfg.presence || { status: "offline", since: new Date().toISOString() };

function showPresence(p) {
  if (!p) return;
  presence = p;
  for (const b of document.querySelectorAll("#presence button")) b.classList.toggle("on", b.dataset.status === p.status);
  $("presence-now").textContent = statusText(p.status);
  $("presence-now").className = "pill st-" + p.status;
  $("presence-since").dataset.since = p.since;
  $("presence-since").textContent = clock(secsSince(p.since));
  renderIdle();
}
function renderIdle() {
  const busy = current || document.querySelector("#offers article");
  $("idle").hidden = !!busy;
  if (busy) return;
  const st = presence.status;
  const [title, text] = st === "available" ? [T.waiting_for_calls, T.waiting_hint]
    : st === "wrap_up" ? [T.wrap_title, T.wrap_hint] : [T.away_title, T.away_hint];
  $("idle-title").textContent = title;
  $("idle-text").textContent = text;
  $("idle").className = "panel idle idle-" + st;
  $("ready").hidden = st === "available" || st === "on_call";
}
// The scorer's later score, grade and reasons for a call on an offer card or taken over.
function updateScore(u) {
  const o = offered[u.call_sid];
  if (o) {
    Object.assign(o, { score: u.score, grade: u.grade, reasons: u.reasons });
    const body = document.querySelector(`article.card[data-call="${CSS.escape(u.call_sid)}"] .card-body`);
    if (body) body.replaceChildren(...cardBody(o));
  }
  if (current && current.call_sid === u.call_sid) {
    Object.assign(current, { score: u.score, grade: u.grade, reasons: u.reasons });
    $("call-card").replaceChildren(...cardBody(current, true));
  }
}
function showOffer(o) {
  const id = "offer-" + o.request_id;
  if ($(id)) return;
  const tr = el("ol", { class: "chat offer-transcript" }, ...(o.transcript || []).map(chatRow));
  offered[o.call_sid] = o;
  const card = el("article", { class: "card alert", id, "data-call": o.call_sid },
    el("div", { class: "alert-head" }, el("span", { class: "ring", "aria-hidden": "true" }), el("strong", {}, T.new_offer),
      el("span", { class: "grow" }), o.deadline ? el("span", { class: "countdown", "data-until": o.deadline }) : ""),
    el("div", { class: "card-body" }, ...cardBody(o)), tr,
    el("div", { class: "card-actions" },
      el("button", { class: "accept primary", type: "button", onclick: () => accept(o) }, T.accept),
      el("button", { class: "decline ghost-dark", type: "button", onclick: () => decline(o) }, T.decline)));
  $("offers").append(card);
  scrollDown(tr);
  tickAll();
  renderIdle();
  window.tcStats.alertShownAt[o.call_sid] = performance.timeOrigin + performance.now();
  beep();
  if (window.Notification && Notification.permission === "granted") {
    try { new Notification(T.new_offer, { body: (o.customer && o.customer.name) || T.customer, tag: id }); } catch (_) {}
  }
}
function removeOffer(requestId) {
  $("offer-" + requestId)?.remove();
  for (const [sid, o] of Object.entries(offered)) if (o.request_id === requestId) delete offered[sid];
  renderIdle();
}
async function openAgentAudio() {
  if (!audioWs || audioWs.readyState > 1) {
    audioWs = await startMic("/console/audio");
    audioWs.onclose = () => { audioWs = null; if (current) setTimeout(openAgentAudio, 500); };
  }
}
async function accept(o) {
  window.tcStats.acceptClickedAt = performance.timeOrigin + performance.now();
  window.tcStats.firstSentAt = 0;
  sending = true;
  const btn = document.querySelector(`#offer-${o.request_id} .accept`);
  if (btn) { btn.disabled = true; btn.textContent = T.accepting; }
  const posted = api("POST", `/offers/${o.request_id}/accept`);
  try { await openAgentAudio(); } catch (e) { console.error(e); } // the click unlocks audio
  try { await posted; } catch (e) { sending = !!current; removeOffer(o.request_id); }
}
async function decline(o) {
  removeOffer(o.request_id);
  try { await api("POST", `/offers/${o.request_id}/decline`); } catch (_) {}
}
async function showCall(o) {
  removeOffer(o.request_id);
  current = o;
  $("call").hidden = false;
  $("idle").hidden = true;
  $("call-card").replaceChildren(...cardBody(o, true));
  showResumeChoices(o.resume || []);
  $("call-timer").dataset.since = new Date().toISOString();
  $("call-timer").textContent = "0:00";
  $("transcript").replaceChildren(...(o.transcript || []).map(chatRow));
  scrollDown($("transcript"));
  sending = true;
  $("audio-state").textContent = T.audio_live;
  $("audio-state").className = "pill live";
  await openAgentAudio();
}
// Where the bot may take the call back: the script's default first, then its states, each
// with the start of what the bot says there. No choices: hand-back lets the bot close.
function showResumeChoices(choices) {
  const options = choices.map((c) => {
    const opt = document.createElement("option");
    opt.value = c.state;
    opt.textContent = c.default ? `${T.resume_default}: ${c.label || T.resume_end}` : c.label;
    return opt;
  });
  $("resume-state").replaceChildren(...options);
  $("resume-label").hidden = options.length === 0;
}
function closeCall() {
  current = null;
  sending = false;
  $("call").hidden = true;
  delete $("call-timer").dataset.since;
  renderIdle();
  refreshFollowUps();
}

if (cfg.role === "agent") {
  on("hello", (h) => {
    showPresence(h.presence);
    for (const a of h.active || []) (a.phase === "accepted" ? showCall : showOffer)(a);
  });
  on("offer", showOffer);
  on("offer_withdrawn", (d) => removeOffer(d.request_id));
  on("score", updateScore);
  on("connected", showCall);
  on("transcript", (r) => {
    if (current && r.call_sid === current.call_sid) { $("transcript").append(chatRow(r)); scrollDown($("transcript")); }
    const card = document.querySelector(`article.card[data-call="${CSS.escape(r.call_sid)}"] .offer-transcript`);
    if (card) { card.append(chatRow(r)); scrollDown(card); }
  });
  on("call_done", closeCall);
  on("presence", showPresence);
  on("follow_up", refreshFollowUps);
  const setPresence = (status) => api("POST", "/presence", { status }).catch((err) => alert(err.message));
  for (const b of document.querySelectorAll("#presence button")) b.addEventListener("click", () => setPresence(b.dataset.status));
  $("ready").addEventListener("click", () => setPresence("available"));
  $("enable-audio").addEventListener("click", async () => {
    await openAgentAudio(); // context, worklets, microphone and socket ready before any offer
    $("enable-audio").textContent = T.audio_ready;
    $("enable-audio").classList.add("done");
    if (window.Notification && Notification.permission === "default") Notification.requestPermission();
  });
  $("hand-back").addEventListener("click", async () => {
    if (!current) return;
    const state = $("resume-state").value || null;
    await api("POST", `/calls/${encodeURIComponent(current.call_sid)}/hand-back`, { state });
  });
  $("end-call").addEventListener("click", async () => {
    if (!current) return;
    await api("POST", `/calls/${encodeURIComponent(current.call_sid)}/end`, { disposition: $("disposition").value, notes: $("notes").value });
  });
  showPresence(presence);
  refreshFollowUps();
}
connectEvents();
