"""The HTML of the console's pages: the agent's workspace and the supervisors' live floor.

Static markup with the text of the page's language (``handoff.i18n``); the pages' scripts
(``static/console.js``, ``static/board.js``) fill it from the events. No inline script
(the pages' CSP): the page's configuration is a JSON data attribute.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

AGENT_BODY = """
<main class="agent">
<section class="statusbar">
<span class="label">{presence}</span>
<div id="presence" class="presence" role="group" aria-label="{presence}">
<button type="button" data-status="available">{available}</button>
<button type="button" data-status="away">{away}</button>
<button type="button" data-status="offline">{offline}</button></div>
<span id="presence-now" class="pill"></span><span id="presence-since" class="muted"></span>
<span class="grow"></span>
<button id="enable-audio" type="button" class="ghost">{enable_audio}</button></section>
<div class="workspace"><div class="main-col">
<section id="idle" class="panel idle" aria-live="polite"><div class="idle-mark" aria-hidden="true"></div>
<h2 id="idle-title"></h2><p id="idle-text"></p>
<button id="ready" type="button" class="primary" hidden>{ready}</button></section>
<section id="offers" aria-live="assertive"></section>
<section id="call" class="panel call" hidden>
<div class="call-head"><h2>{on_call}</h2><span id="call-timer" class="timer"></span>
<span id="audio-state" class="pill"></span>
<span class="meter" title="{customer_audio}"><span id="level"></span></span></div>
<div id="call-card" class="call-card"></div>
<h3>{transcript}</h3><ol id="transcript" class="chat"></ol>
<div class="actions">
<div class="action-group"><label id="resume-label">{resume_at}<select id="resume-state"></select></label>
<button id="hand-back" type="button" class="secondary">{hand_back}</button></div>
<div class="action-group"><label>{disposition}<select id="disposition"><option value="sale">{d_sale}</option><option value="callback">{d_callback}</option><option value="not_interested">{d_not_interested}</option><option value="other">{d_other}</option></select></label>
<label class="wide">{notes}<textarea id="notes" maxlength="4000" rows="2"></textarea></label>
<button id="end-call" type="button" class="danger">{end_call}</button></div></div></section>
</div>
<aside class="side-col"><section class="panel followups"><h2>{follow_ups}</h2>
<ul id="follow-ups" class="tasks" data-empty="{no_follow_ups}"></ul></section></aside></div>
</main>
"""

BOARD_BODY = """
<main class="board">
<section id="anomalies" class="anomalies" aria-live="polite" hidden></section>
<section id="counters" class="counters" aria-label="{live_calls}"></section>
<div class="floor"><div class="main-col">
<section class="panel"><h2>{live_calls} <span id="calls-count" class="count"></span></h2>
<table id="calls" class="grid"><thead><tr><th>{customer}</th><th>{campaign}</th><th>{state}</th>
<th>{duration}</th><th>{grade}</th><th>{mode}</th><th>{agent}</th></tr></thead><tbody></tbody></table>
<p id="calls-empty" class="empty">{no_live_calls}</p></section>
<section class="panel"><h2>{queue} <span id="queue-count" class="count"></span></h2>
<table id="queue" class="grid"><thead><tr><th>{customer}</th><th>{campaign}</th><th>{grade}</th>
<th>{waiting}</th><th>{offered_to}</th></tr></thead><tbody></tbody></table>
<p id="queue-empty" class="empty">{queue_empty}</p></section></div>
<aside class="side-col">
<section id="detail" class="panel detail"><h2 id="detail-title">{transcript}</h2>
<p id="detail-hint" class="empty">{select_call}</p><div id="detail-meta" class="meta"></div>
<div class="detail-actions" hidden><button id="listen" type="button" class="secondary">{listen}</button>
<button id="whisper" type="button" class="ghost-dark">{whisper}</button>
<button id="barge" type="button" class="ghost-dark">{barge}</button></div>
<ol id="detail-transcript" class="chat"></ol></section>
<section class="panel"><h2>{agents}</h2>
<table id="agents" class="grid"><thead><tr><th>{name}</th><th>{presence}</th><th>{time_in_state}</th>
<th>{current_call}</th></tr></thead><tbody></tbody></table></section>
<section class="panel followups"><h2>{follow_ups}</h2><ul id="follow-ups" class="tasks" data-empty="{no_follow_ups}"></ul></section>
</aside></div>
<div id="audio-state" class="toast" hidden></div>
</main>
"""


def header(
    t: Mapping[str, str], title: str, who: str, lang_bar: str, csrf: str, home: bool = False
) -> str:
    """The page's top bar; ``home``: a link back to the workspace (the board's users have
    its menu)."""
    back = f'<a id="workspace-home" href="/console/home">{t["workspace_home"]}</a>' if home else ""
    logout = (
        '<form method="post" action="/console/logout" class="logout">'
        f'<input type="hidden" name="csrf_token" value="{html.escape(csrf)}">'
        f'<button type="submit">{t["logout"]}</button></form>'
    )
    return (
        '<header><div class="brand"><span class="logo" aria-hidden="true"></span>'
        f"<h1>{html.escape(title)}</h1></div>{back}"
        f'<span class="grow"></span><span id="conn" class="conn">{t["connecting"]}</span>'
        f'<span id="who" class="who">{html.escape(who)}</span>{lang_bar}{logout}</header>'
    )
