// The workspace's only script of its own (the CSP allows no inline script).
// - charts: an element with data-chart='{ECharts option as JSON}' is drawn by ECharts
//   (an attribute, not a <script> block: htmx drops script tags from swapped partials);
//   after an htmx swap the chart is updated in place (setOption).
// - bars: an element with data-pct="0..100" gets that width, data-left that left offset
//   (no inline style in HTML).
// - confirmations: hx-confirm and data-confirm (plain forms) open the page's <dialog>.
(function () {
  "use strict";

  function drawCharts(root) {
    if (typeof window.echarts === "undefined") return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var option;
      try { option = JSON.parse(el.getAttribute("data-chart")); } catch (e) { return; }
      var chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option, { notMerge: false, lazyUpdate: true });
    });
  }

  function sizeBars(root) {
    root.querySelectorAll("[data-pct]").forEach(function (el) {
      var v = Math.max(0, Math.min(100, parseFloat(el.getAttribute("data-pct")) || 0));
      el.style.width = v + "%";
    });
    root.querySelectorAll("[data-left]").forEach(function (el) {
      var v = Math.max(0, Math.min(100, parseFloat(el.getAttribute("data-left")) || 0));
      el.style.left = v + "%";
    });
  }

  function refresh(root) { sizeBars(root); drawCharts(root); }

  var dialog, pending;
  function askConfirm(text, go) {
    dialog = dialog || document.getElementById("confirm-dialog");
    if (!dialog || typeof dialog.showModal !== "function") { if (window.confirm(text)) go(); return; }
    document.getElementById("confirm-text").textContent = text;
    pending = go;
    dialog.showModal();
  }

  document.addEventListener("DOMContentLoaded", function () {
    refresh(document);
    dialog = document.getElementById("confirm-dialog");
    if (dialog) {
      dialog.addEventListener("close", function () {
        var go = pending; pending = null;
        if (dialog.returnValue === "ok" && go) go();
      });
    }
    // Plain forms asking for a confirmation first.
    document.addEventListener("submit", function (ev) {
      var form = ev.target;
      if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) return;
      if (form.dataset.confirmed === "1") return;
      ev.preventDefault();
      askConfirm(form.getAttribute("data-confirm"), function () {
        form.dataset.confirmed = "1";
        form.requestSubmit();
      });
    }, true);
    // The language switch keeps the page's query (filters, tabs).
    var sw = document.getElementById("lang-switch");
    if (sw) {
      var params = new URLSearchParams(window.location.search);
      params.set("lang", new URL(sw.href).searchParams.get("lang"));
      sw.href = window.location.pathname + "?" + params.toString();
    }
  });

  document.addEventListener("htmx:confirm", function (ev) {
    var question = ev.detail.question;
    if (!question) return;
    ev.preventDefault();
    askConfirm(question, function () { ev.detail.issueRequest(true); });
  });

  document.addEventListener("htmx:afterSettle", function () { refresh(document); });

  window.addEventListener("resize", function () {
    if (typeof window.echarts === "undefined") return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var c = window.echarts.getInstanceByDom(el);
      if (c) c.resize();
    });
  });
})();
