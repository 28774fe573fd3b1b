// AudioWorklet processors of the console; the AudioContext runs at 16 kHz.
// mic-capture: 20 ms frames of PCM16 to the main thread (which sends them on the socket).
// pcm-player: plays PCM16 from the socket, per channel, mixed; a latency cap drops the
// oldest audio when the backlog grows (a network stall must not leave the call behind).
class MicCapture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.buf = new Int16Array(320);
    this.n = 0;
  }
  process(inputs) {
    const ch = inputs[0] && inputs[0][0];
    if (ch) {
      for (let i = 0; i < ch.length; i++) {
        const v = Math.max(-1, Math.min(1, ch[i]));
        this.buf[this.n++] = v < 0 ? v * 32768 : v * 32767;
        if (this.n === this.buf.length) {
          this.port.postMessage(this.buf.buffer, [this.buf.buffer]);
          this.buf = new Int16Array(320);
          this.n = 0;
        }
      }
    }
    return true;
  }
}

class PcmPlayer extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const capMs = (options.processorOptions && options.processorOptions.capMs) || 200;
    this.cap = Math.round((sampleRate * capMs) / 1000);
    this.queues = new Map(); // channel -> {chunks: Float32Array[], off, len}
    this.port.onmessage = (e) => {
      const { ch, pcm } = e.data;
      const src = new Int16Array(pcm);
      const f = new Float32Array(src.length);
      for (let i = 0; i < src.length; i++) f[i] = src[i] / 32768;
      let q = this.queues.get(ch);
      if (!q) { q = { chunks: [], off: 0, len: 0 }; this.queues.set(ch, q); }
      q.chunks.push(f);
      q.len += f.length;
      while (q.len - q.off > this.cap && q.chunks.length > 1) {
        const old = q.chunks.shift();
        q.len -= old.length;
        q.off = 0;
      }
    };
    this.reported = new Set();
  }
  process(_inputs, outputs) {
    const out = outputs[0][0];
    out.fill(0);
    for (const [ch, q] of this.queues) {
      let i = 0;
      while (i < out.length && q.chunks.length) {
        const c = q.chunks[0];
        const take = Math.min(out.length - i, c.length - q.off);
        for (let k = 0; k < take; k++) out[i + k] += c[q.off + k];
        i += take;
        q.off += take;
        if (q.off >= c.length) { q.chunks.shift(); q.len -= c.length; q.off = 0; }
      }
      if (i > 0 && !this.reported.has(ch)) {
        this.reported.add(ch);
        this.port.postMessage({ played: true, ch });
      }
    }
    for (let c = 1; c < outputs[0].length; c++) outputs[0][c].set(out);
    return true;
  }
}

registerProcessor("mic-capture", MicCapture);
registerProcessor("pcm-player", PcmPlayer);
