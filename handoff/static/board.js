// The supervisor board: agents and live calls, listen-in and whisper.
"use strict";
(() => {
  const { T, $, el, on, startListening, startMic, refreshFollowUps } = window.TC;
  let listenWs = null, whisperWs = null;
  function render(b) {
    $("agents").tBodies[0].replaceChildren(...b.agents.map((a) => el("tr", { "data-agent": a.agent_id },
      el("td", {}, a.name), el("td", {}, (T[a.status] || a.status) + (a.ringing ? " 🔔" : "")), el("td", {}, a.skills.join(", ")),
      el("td", {}, a.status === "on_call" ? el("button", { type: "button", class: "whisper", onclick: () => whisper(a.agent_id) }, T.whisper) : ""))));
    $("calls").tBodies[0].replaceChildren(...b.calls.map((c) => el("tr", { "data-call": c.call_sid },
      el("td", {}, c.call_sid), el("td", {}, c.mode === "human" ? T.human : T.bot), el("td", {}, c.agent_id ?? ""),
      el("td", {}, el("button", { type: "button", class: "listen", onclick: () => listen(c.call_sid) }, T.listen)))));
  }
  async function listen(callSid) {
    if (listenWs) { listenWs.close(); listenWs = null; $("audio-state").textContent = ""; return; }
    listenWs = await startListening("/console/listen/" + encodeURIComponent(callSid));
    $("audio-state").textContent = T.listen + ": " + callSid;
  }
  async function whisper(agentId) {
    if (whisperWs) { whisperWs.close(); whisperWs = null; return; }
    whisperWs = await startMic("/console/whisper/" + agentId);
  }
  on("hello", (h) => h.board && render(h.board));
  on("board", render);
  on("follow_up", refreshFollowUps);
  refreshFollowUps();
})();
