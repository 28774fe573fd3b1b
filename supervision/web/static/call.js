// The call page: the stereo recording's two channels drawn under the player (customer on
// the left channel, bot or agent on the right), a click on a transcript line plays from
// that line, and the line being heard is highlighted. No inline script (CSP).
(function () {
  "use strict";

  function parseWav(buf) {
    var v = new DataView(buf), pos = 12, channels = 2, rate = 8000, bits = 16;
    while (pos + 8 <= v.byteLength) {
      var id = String.fromCharCode(v.getUint8(pos), v.getUint8(pos + 1), v.getUint8(pos + 2), v.getUint8(pos + 3));
      var size = v.getUint32(pos + 4, true);
      if (id === "fmt ") {
        channels = v.getUint16(pos + 10, true); rate = v.getUint32(pos + 12, true); bits = v.getUint16(pos + 22, true);
      } else if (id === "data") {
        return { channels: channels, rate: rate, bits: bits, offset: pos + 8, length: Math.min(size, v.byteLength - pos - 8), view: v };
      }
      pos += 8 + size + (size % 2);
    }
    return null;
  }

  function peaks(wav, width) {
    var frames = Math.floor(wav.length / (wav.channels * 2));
    var per = Math.max(1, Math.floor(frames / width));
    var out = [new Float32Array(width), new Float32Array(width)];
    for (var x = 0; x < width; x++) {
      var start = x * per;
      if (start >= frames) break;
      for (var ch = 0; ch < Math.min(2, wav.channels); ch++) {
        var m = 0;
        for (var i = start; i < Math.min(frames, start + per); i += 4) {
          var s = Math.abs(wav.view.getInt16(wav.offset + (i * wav.channels + ch) * 2, true));
          if (s > m) m = s;
        }
        out[ch][x] = m / 32768;
      }
    }
    return { peaks: out, seconds: frames / wav.rate };
  }

  function draw(canvas, data, at) {
    var ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height, half = h / 2;
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = "#f7f9fb"; ctx.fillRect(0, 0, w, h);
    var colors = ["#1d5fbf", "#1f8a4c"];
    for (var ch = 0; ch < 2; ch++) {
      var mid = ch === 0 ? half / 2 : half + half / 2;
      ctx.fillStyle = colors[ch];
      for (var x = 0; x < w; x++) {
        var a = Math.max(1, data.peaks[ch][x] * (half / 2 - 4));
        ctx.fillRect(x, mid - a, 1, 2 * a);
      }
    }
    ctx.fillStyle = "#e3e7ee"; ctx.fillRect(0, half, w, 1);
    if (data.seconds > 0) {
      ctx.fillStyle = "#c0392b";
      ctx.fillRect(Math.round((at / data.seconds) * w), 0, 2, h);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var audio = document.getElementById("audio");
    var canvas = document.getElementById("wave");
    var lines = Array.prototype.slice.call(document.querySelectorAll("#transcript .line[data-start]"));
    var wave = null;

    function playFrom(t) {
      if (!audio) return;
      var go = function () { audio.currentTime = t; audio.play().catch(function () {}); };
      if (audio.readyState >= 1) go(); else audio.addEventListener("loadedmetadata", go, { once: true });
    }
    lines.forEach(function (li) {
      var start = parseFloat(li.getAttribute("data-start")) || 0;
      li.addEventListener("click", function () { playFrom(start); });
      li.addEventListener("keydown", function (ev) { if (ev.key === "Enter") playFrom(start); });
    });
    if (!audio) return;
    audio.addEventListener("timeupdate", function () {
      var t = audio.currentTime;
      lines.forEach(function (li) {
        var on = t >= parseFloat(li.getAttribute("data-start")) && t < parseFloat(li.getAttribute("data-end")) + 0.3;
        li.classList.toggle("playing", on);
      });
      if (wave && canvas) draw(canvas, wave, t);
    });
    if (canvas) {
      canvas.width = Math.max(300, Math.floor(canvas.parentElement.clientWidth));
      canvas.addEventListener("click", function (ev) {
        if (!wave) return;
        var r = canvas.getBoundingClientRect();
        playFrom(((ev.clientX - r.left) / r.width) * wave.seconds);
      });
      fetch(document.getElementById("player").getAttribute("data-src"), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.arrayBuffer() : null; })
        .then(function (buf) {
          var wav = buf && parseWav(buf);
          if (!wav) return;
          wave = peaks(wav, canvas.width);
          canvas.setAttribute("data-drawn", "1");
          draw(canvas, wave, 0);
        });
    }
  });
})();
