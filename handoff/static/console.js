// The console page: numbered events over a websocket (replay on reconnect), offer alerts,
// and the agent's audio (mic -> PCM16 16 kHz -> websocket; websocket -> AudioWorklet).
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

// ---------------------------------------------------------------- events
const handlers = {};
function on(kind, fn) { (handlers[kind] = handlers[kind] || []).push(fn); }
let lastSeq = Number(sessionStorage.getItem(SEQ_KEY) || 0);
let backoff = 250;
function connectEvents() {
  const ws = new WebSocket(wsBase + "/console/ws?after=" + lastSeq);
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

// ---------------------------------------------------------------- audio
let ctx = null, player = null, audioWs = null, micNode = null, micStream = null;
// the agent's mic goes to the server only from the accept click to the end of the call
let sending = false;
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
  }
  if (player) player.port.postMessage({ ch, pcm }, [pcm]);
}
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
window.TC = { cfg, T, $, el, api, on, connectEvents, ensureAudioContext, startMic, startListening, beep };

// ---------------------------------------------------------------- agent page
function waitingSecs(iso) { return Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000)); }
function cardBody(o) {
  const c = o.customer || {};
  const reasons = (o.reasons || []).map((r) => (cfg.lang === "zh" ? r.text : r.text_en) || r.code);
  return [
    el("h3", {}, c.name || "—", " ", c.phone || ""),
    el("div", { class: "meta" },
      el("span", {}, T.segment, ": ", c.segment || "—"),
      el("span", {}, T.star, ": ", c.star_level ?? "—"),
      el("span", {}, T.score, ": ", o.score), el("span", {}, T.grade, ": ", o.grade),
      el("span", {}, T.state, ": ", o.state),
      el("span", { class: "waiting", "data-since": o.requested_at }, T.waiting, " ", waitingSecs(o.requested_at), T.seconds)),
    el("ul", { class: "reasons" }, ...reasons.map((r) => el("li", {}, r))),
  ];
}
const offered = {}; // call_sid -> the offer as last shown
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
    $("call-card").replaceChildren(...cardBody(current));
  }
}
function showOffer(o) {
  const id = "offer-" + o.request_id;
  if ($(id)) return;
  const tr = el("ol", { class: "offer-transcript" }, ...(o.transcript || []).map((r) => el("li", { class: r.speaker }, r.text)));
  offered[o.call_sid] = o;
  const card = el("article", { class: "card", id, "data-call": o.call_sid },
    el("strong", {}, T.new_offer), el("div", { class: "card-body" }, ...cardBody(o)), tr,
    el("button", { class: "accept", type: "button", onclick: () => accept(o) }, T.accept),
    el("button", { class: "decline", type: "button", onclick: () => decline(o) }, T.decline));
  $("offers").append(card);
  window.tcStats.alertShownAt[o.call_sid] = performance.timeOrigin + performance.now();
  beep();
  if (window.Notification && Notification.permission === "granted") {
    try { new Notification(T.new_offer, { body: (o.customer && o.customer.name) || o.call_sid, tag: id }); } catch (_) {}
  }
}
let current = null;
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
  const posted = api("POST", `/offers/${o.request_id}/accept`);
  try { await openAgentAudio(); } catch (e) { console.error(e); } // the click unlocks audio
  try { await posted; } catch (e) { sending = !!current; $("offer-" + o.request_id)?.remove(); }
}
async function decline(o) {
  $("offer-" + o.request_id)?.remove();
  delete offered[o.call_sid];
  try { await api("POST", `/offers/${o.request_id}/decline`); } catch (_) {}
}
async function showCall(o) {
  $("offer-" + o.request_id)?.remove();
  delete offered[o.call_sid];
  current = o;
  $("call").hidden = false;
  $("call-card").replaceChildren(...cardBody(o));
  $("transcript").replaceChildren(...(o.transcript || []).map((r) => el("li", { class: r.speaker }, r.text)));
  sending = true;
  $("audio-state").textContent = T.audio_live;
  await openAgentAudio();
}
function closeCall() {
  current = null;
  sending = false;
  $("call").hidden = true;
  refreshFollowUps();
}
async function refreshFollowUps() {
  if (!$("follow-ups")) return;
  const mine = cfg.role === "agent" ? await api("GET", "/follow-ups?status=claimed").catch(() => []) : [];
  const open = await api("GET", "/follow-ups?status=open").catch(() => []);
  const row = (t) => el("li", { "data-id": t.id },
    `#${t.id} ${t.reason} [${t.grade}] ${T.callback_at}: ${new Date(t.callback_at).toLocaleString()} `,
    ...(cfg.role !== "agent" ? [] : t.status === "open"
      ? [el("button", { type: "button", onclick: () => api("POST", `/follow-ups/${t.id}/claim`).then(refreshFollowUps) }, T.claim)]
      : [el("button", { type: "button", onclick: () => api("POST", `/follow-ups/${t.id}/call-back`).catch((e) => alert(e.message)) }, T.call_back),
         el("button", { type: "button", onclick: () => api("POST", `/follow-ups/${t.id}/complete`, { outcome: "done", notes: "" }).then(refreshFollowUps) }, T.complete)]));
  $("follow-ups").replaceChildren(...mine.map(row), ...open.map(row));
}
window.TC.refreshFollowUps = refreshFollowUps;

if (cfg.role === "agent") {
  on("hello", (h) => { for (const a of h.active || []) (a.phase === "accepted" ? showCall : showOffer)(a); });
  on("offer", showOffer);
  on("offer_withdrawn", (d) => {
    $("offer-" + d.request_id)?.remove();
    for (const [sid, o] of Object.entries(offered)) if (o.request_id === d.request_id) delete offered[sid];
  });
  on("score", updateScore);
  on("connected", showCall);
  on("transcript", (r) => {
    if (current && r.call_sid === current.call_sid) $("transcript").append(el("li", { class: r.speaker }, r.text));
    const card = document.querySelector(`article.card[data-call="${CSS.escape(r.call_sid)}"] .offer-transcript`);
    if (card) card.append(el("li", { class: r.speaker }, r.text));
  });
  on("call_done", closeCall);
  on("presence", (p) => { $("presence").value = p.status; $("presence-now").textContent = T[p.status] || p.status; });
  on("follow_up", refreshFollowUps);
  $("presence").addEventListener("change", (e) => api("POST", "/presence", { status: e.target.value }).catch((err) => alert(err.message)));
  $("enable-audio").addEventListener("click", async () => {
    await openAgentAudio(); // context, worklets, microphone and socket ready before any offer
    if (window.Notification && Notification.permission === "default") Notification.requestPermission();
  });
  $("hand-back").addEventListener("click", async () => {
    if (!current) return;
    const state = $("resume-state").value.trim() || null;
    await api("POST", `/calls/${encodeURIComponent(current.call_sid)}/hand-back`, { state });
  });
  $("end-call").addEventListener("click", async () => {
    if (!current) return;
    await api("POST", `/calls/${encodeURIComponent(current.call_sid)}/end`, { disposition: $("disposition").value, notes: $("notes").value });
  });
  setInterval(() => { for (const w of document.querySelectorAll(".waiting")) w.textContent = `${T.waiting} ${waitingSecs(w.dataset.since)}${T.seconds}`; }, 1000);
  refreshFollowUps();
}
connectEvents();
