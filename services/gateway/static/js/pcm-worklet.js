// Microphone → PCM16 for the vosk-server protocol: mono downmix, resampling to 16 kHz, 16-bit little-endian
// samples in ~100 ms chunks, each with its RMS level (for voice-activity detection on the main thread).
//
// Loaded twice: by audioWorklet.addModule() as the AudioWorklet processor "pcm16" (it posts each chunk to
// the main thread, transferring the buffer), and imported by voice.js for the chunker alone (the
// ScriptProcessor fallback of browsers without AudioWorklet). Plain module, no dependencies.

export const TARGET_RATE = 16000;
export const CHUNK_MS = 100;

export class Pcm16Chunker {
  /** inputRate: the AudioContext's rate. Rates below 16 kHz are kept as they are (never upsampled). */
  constructor(inputRate, targetRate = TARGET_RATE, chunkMs = CHUNK_MS) {
    this.rate = Math.min(targetRate, Math.round(inputRate));
    this.step = inputRate / this.rate;  // input samples per output sample (2.756 at 44.1 kHz, 3 at 48 kHz)
    this.size = Math.round((this.rate * chunkMs) / 1000);
    this.sum = 0;  // the input samples of the output sample being built: their sum and count
    this.count = 0;
    this.pos = 0;  // input samples since that output sample began
    this.newChunk();
  }

  newChunk() {
    this.buffer = new ArrayBuffer(this.size * 2);
    this.view = new DataView(this.buffer);
    this.fill = 0;
    this.energy = 0;
  }

  /** channels: one Float32Array per input channel (one render quantum); emit({pcm, rms}) per full chunk. */
  push(channels, emit) {
    const n = channels.length;
    if (!n) return;
    const length = channels[0].length;
    for (let i = 0; i < length; i++) {
      let x = 0;
      for (let c = 0; c < n; c++) x += channels[c][i];
      this.sum += x / n;
      this.count += 1;
      this.pos += 1;
      if (this.pos < this.step) continue;
      // Each output sample is the mean of the input samples it spans: a box filter against aliasing.
      this.pos -= this.step;
      const v = Math.max(-1, Math.min(1, this.sum / this.count));
      this.sum = 0;
      this.count = 0;
      this.energy += v * v;
      this.view.setInt16(this.fill * 2, v < 0 ? v * 0x8000 : v * 0x7fff, true);  // little-endian
      this.fill += 1;
      if (this.fill === this.size) {
        const chunk = { pcm: this.buffer, rms: Math.sqrt(this.energy / this.size) };
        this.newChunk();
        emit(chunk);
      }
    }
  }
}

// Only inside the AudioWorkletGlobalScope (registerProcessor and AudioWorkletProcessor exist there alone).
if (typeof registerProcessor === "function") {
  registerProcessor("pcm16", class extends AudioWorkletProcessor {
    constructor() {
      super();
      this.chunker = new Pcm16Chunker(sampleRate);  // sampleRate: the scope's global, the context's rate
      this.stopped = false;
      this.port.onmessage = (event) => { if (event.data === "stop") this.stopped = true; };
    }

    process(inputs) {
      if (this.stopped) return false;  // lets the node be collected
      const input = inputs[0];
      if (input && input.length) this.chunker.push(input, (chunk) => this.port.postMessage(chunk, [chunk.pcm]));
      return true;
    }
  });
}
