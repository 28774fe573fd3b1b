// The supervisors' live floor: live calls, the handoff queue, agents and counters, kept
// current by "floor" events (only what changed); a clicked call's live transcript
// ("floor_transcript", for the watched call only), listen-in and whisper; the anomalies of
// the newest daily report as alerts (read at load, then "daily_report" events).
"use strict";
(() => {
  const { cfg, T, $, el, on, sendEvent, startListening, startMic, refreshFollowUps, clock, secsSince,
    fmtScore, gradeBadge, statusText, chatRow, scrollDown } = window.TC;
  const calls = new Map(); // id -> row
  let agents = [], queue = [], counters = [];
  let watched = null, listenWs = null, whisperWs = null, bargeWs = null;
  window.tcFloor = { updates: 0, seen: {} }; // for tests: when each call was first shown

  function modePill(c) {
    if (c.holding) return el("span", { class: "pill st-away" }, T.holding);
    return el("span", { class: "pill " + (c.mode === "human" ? "mode-human" : "mode-bot") }, c.mode === "human" ? T.human : T.bot);
  }
  function agentCell(c) {
    if (!c.agent) return el("span", { class: "muted" }, "—");
    return el("span", {}, c.agent, c.simulated_agent ? el("span", { class: "tag" }, T.simulated) : "");
  }
  function callRow(c) {
    return el("tr", { "data-call": c.id, class: (c.id === watched ? "selected " : "") + (c.handoff === "waiting" || c.handoff === "offered" ? "queued" : ""), onclick: () => watch(c.id) },
      el("td", {}, el("div", { class: "cust" }, c.customer || "—"), el("div", { class: "muted small" }, c.phone)),
      el("td", {}, c.campaign || "—"),
      el("td", {}, el("code", {}, c.state || "—")),
      el("td", { class: "num", "data-since": c.started_at }, clock(secsSince(c.started_at))),
      el("td", {}, gradeBadge(c.grade), " ", el("span", { class: "num" }, fmtScore(c.score))),
      el("td", {}, modePill(c)),
      el("td", {}, agentCell(c)));
  }
  function renderCalls() {
    const rows = [...calls.values()].sort((a, b) => a.started_at.localeCompare(b.started_at));
    $("calls").tBodies[0].replaceChildren(...rows.map(callRow));
    $("calls-empty").hidden = rows.length > 0;
    $("calls-count").textContent = rows.length;
    if (watched) renderDetailMeta();
  }
  function renderQueue() {
    $("queue").tBodies[0].replaceChildren(...queue.map((q) => el("tr", { "data-request": q.request_id, onclick: () => watch(q.id) },
      el("td", {}, el("div", { class: "cust" }, q.customer || "—"), el("div", { class: "muted small" }, q.phone)),
      el("td", {}, q.campaign || "—"),
      el("td", {}, gradeBadge(q.grade), " ", el("span", { class: "num" }, fmtScore(q.score))),
      el("td", { class: "num", "data-since": q.since }, clock(secsSince(q.since))),
      el("td", {}, q.offered_to ? el("span", { class: "ringing" }, q.offered_to) : el("span", { class: "muted" }, T.waiting_agent)))));
    $("queue-empty").hidden = queue.length > 0;
    $("queue-count").textContent = queue.length;
  }
  function renderAgents() {
    $("agents").tBodies[0].replaceChildren(...(agents.length ? agents.map((a) => el("tr", { "data-agent": a.agent_id },
      el("td", {}, a.name, a.simulated ? el("span", { class: "tag" }, T.simulated) : ""),
      el("td", {}, el("span", { class: "pill st-" + a.status }, statusText(a.status)), a.ringing ? el("span", { class: "ringing" }, T.ringing) : ""),
      el("td", { class: "num", "data-since": a.since }, clock(secsSince(a.since))),
      el("td", {}, a.call ? el("a", { href: "#", onclick: (e) => { e.preventDefault(); watch(a.call); } }, a.customer || T.call) : el("span", { class: "muted" }, "—"))))
      : [el("tr", {}, el("td", { colspan: "4", class: "empty" }, T.no_agents))]));
  }
  function renderCounters() {
    const total = { campaign: T.all_campaigns, live: 0, bot: 0, human: 0, waiting: 0, a: 0, b: 0 };
    for (const c of counters) for (const k of ["live", "bot", "human", "waiting", "a", "b"]) total[k] += c[k];
    const tile = (c, main) => el("div", { class: "tile" + (main ? " main" : "") },
      el("div", { class: "tile-name" }, c.campaign || T.no_campaign),
      el("div", { class: "tile-nums" },
        el("div", {}, el("b", {}, c.live), el("span", {}, T.count_live)),
        el("div", {}, el("b", {}, c.bot), el("span", {}, T.count_bot)),
        el("div", {}, el("b", {}, c.human), el("span", {}, T.count_human)),
        el("div", { class: c.waiting ? "warn" : "" }, el("b", {}, c.waiting), el("span", {}, T.count_waiting)),
        el("div", {}, el("b", {}, c.a + c.b), el("span", {}, T.count_ab))));
    $("counters").replaceChildren(tile(total, true), ...counters.map((c) => tile(c, false)));
  }
  function renderDetailMeta() {
    const c = calls.get(watched);
    const meta = $("detail-meta");
    if (!c) { meta.replaceChildren(el("span", { class: "muted" }, T.call_ended)); return; }
    $("detail-title").textContent = [c.customer || T.customer, c.campaign].filter(Boolean).join(" · ");
    meta.replaceChildren(
      el("span", {}, gradeBadge(c.grade), " ", fmtScore(c.score)), modePill(c),
      el("span", {}, el("code", {}, c.state || "—")),
      el("span", { class: "num", "data-since": c.started_at }, clock(secsSince(c.started_at))),
      c.agent ? el("span", {}, T.agent, ": ", c.agent) : "");
    $("whisper").hidden = $("barge").hidden = !(c.agent_id && c.mode === "human");
  }
  function apply(f) {
    window.tcFloor.updates += 1;
    if (f.calls && !Array.isArray(f.gone)) calls.clear(); // a snapshot
    for (const c of f.calls || []) {
      if (!calls.has(c.id) && !window.tcFloor.seen[c.id]) window.tcFloor.seen[c.id] = performance.timeOrigin + performance.now();
      calls.set(c.id, c);
    }
    for (const id of f.gone || []) calls.delete(id);
    if (f.calls || f.gone) renderCalls();
    if (f.queue) { queue = f.queue; renderQueue(); }
    if (f.agents) { agents = f.agents; renderAgents(); }
    if (f.counters) { counters = f.counters; renderCounters(); }
  }
  function renderAnomalies(d) {
    const found = (d && d.anomalies) || [];
    const box = $("anomalies");
    box.hidden = found.length === 0;
    box.replaceChildren(...found.map((a) => el("div", { class: "anomaly", "data-anomaly": a.code },
      el("b", {}, T.anomaly_day.replace("{day}", d.day)),
      el("span", {}, cfg.lang === "zh" ? a.message_zh : a.message_en),
      el("a", { href: "/console/reports?day=" + encodeURIComponent(d.day) }, T.anomaly_open))));
  }
  async function loadAnomalies() {
    try {
      const r = await fetch("/api/supervision/reports/latest/anomalies", { credentials: "same-origin" });
      if (r.ok) renderAnomalies(await r.json()); // (a compliance officer's floor has none)
    } catch (e) { /* the next daily_report event brings them */ }
  }
  function watch(id) {
    if (watched === id) return;
    stopListen();
    watched = id;
    $("detail-hint").hidden = true;
    document.querySelector("#detail .detail-actions").hidden = false;
    $("detail-transcript").replaceChildren();
    sendEvent({ watch: id });
    for (const tr of document.querySelectorAll("#calls tr[data-call]")) tr.classList.toggle("selected", tr.dataset.call === id);
    renderDetailMeta();
  }
  function stopListen() {
    if (listenWs) { listenWs.close(); listenWs = null; }
    if (whisperWs) { whisperWs.close(); whisperWs = null; }
    if (bargeWs) { bargeWs.close(); bargeWs = null; }
    $("barge").textContent = T.barge; $("barge").classList.remove("on");
    $("listen").textContent = T.listen; $("listen").classList.remove("on");
    $("whisper").textContent = T.whisper; $("whisper").classList.remove("on");
  }
  $("listen").addEventListener("click", async () => {
    if (listenWs) { stopListen(); return; }
    listenWs = await startListening("/console/listen/" + encodeURIComponent(watched));
    $("listen").textContent = T.stop_listen; $("listen").classList.add("on");
  });
  $("whisper").addEventListener("click", async () => {
    const c = calls.get(watched);
    if (whisperWs) { whisperWs.close(); whisperWs = null; $("whisper").textContent = T.whisper; $("whisper").classList.remove("on"); return; }
    if (!c || !c.agent_id) return;
    whisperWs = await startMic("/console/whisper/" + c.agent_id);
    $("whisper").textContent = T.stop_whisper; $("whisper").classList.add("on");
  });
  $("barge").addEventListener("click", async () => {
    const c = calls.get(watched);
    if (bargeWs) { bargeWs.close(); bargeWs = null; $("barge").textContent = T.barge; $("barge").classList.remove("on"); return; }
    if (!c || !c.agent_id) return;
    bargeWs = await startMic("/console/barge/" + encodeURIComponent(c.id));
    $("barge").textContent = T.stop_barge; $("barge").classList.add("on");
  });
  on("hello", (h) => {
    if (!h.board) return;
    apply({ ...h.board, gone: undefined });
    if (watched) sendEvent({ watch: watched }); // a reconnect: follow the same call again
  });
  on("floor", apply);
  on("daily_report", renderAnomalies);
  on("floor_transcript", (d) => {
    if (d.id !== watched) return;
    const list = $("detail-transcript");
    if (d.reset) list.replaceChildren();
    for (const r of d.rows) list.append(chatRow(r));
    scrollDown(list);
  });
  on("follow_up", refreshFollowUps);
  refreshFollowUps();
  loadAnomalies();
})();
