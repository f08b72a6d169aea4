// The RNNoise AudioWorklet processor, bundled on its own (as a classic script with RNNoise's
// WASM inlined, which an AudioWorklet can load synchronously) and embedded in the extension's
// bundle as text. RNNoise works on 480-sample frames (10 ms at 48 kHz) of 16-bit-scaled
// floats; the worklet gets 128-sample blocks, so samples wait in a FIFO each way and the output
// lags the input by two frames (20 ms). A message `{enabled}` turns the suppression on or off (off: the
// input passes unchanged, with the same lag), `{destroy: true}` frees RNNoise.
import createRNNWasmModuleSync from "@jitsi/rnnoise-wasm/dist/rnnoise-sync.js";

const FRAME = 480;
const SCALE = 32768;

class RnnoiseProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.rnn = createRNNWasmModuleSync();
    this.state = this.rnn._rnnoise_create(0);
    this.ptr = this.rnn._malloc(FRAME * 4);
    this.frame = new Float32Array(FRAME);
    this.filled = 0;
    // Output FIFO, primed with a frame of silence: blocks (128) and frames (480) do not divide,
    // and with one frame queued ahead a block always finds its samples.
    this.out = new Float32Array(FRAME * 4);
    this.head = 0;
    this.size = FRAME;
    this.enabled = true;
    this.alive = true;
    this.port.onmessage = ({ data }) => {
      if (typeof data?.enabled === "boolean") this.enabled = data.enabled;
      if (data?.destroy) this.free();
    };
  }

  free() {
    if (!this.alive) return;
    this.alive = false;
    this.rnn._rnnoise_destroy(this.state);
    this.rnn._free(this.ptr);
  }

  /** Runs RNNoise over the frame collected and queues the result. */
  flush() {
    const heap = this.rnn.HEAPF32;
    const at = this.ptr >> 2;
    for (let i = 0; i < FRAME; i++) heap[at + i] = this.frame[i] * SCALE;
    if (this.enabled) this.rnn._rnnoise_process_frame(this.state, this.ptr, this.ptr);
    const n = this.out.length;
    for (let i = 0; i < FRAME; i++) this.out[(this.head + this.size + i) % n] = this.rnn.HEAPF32[at + i] / SCALE;
    this.size += FRAME;
  }

  process(inputs, outputs) {
    if (!this.alive) return false;
    const input = inputs[0]?.[0];
    const output = outputs[0]?.[0];
    if (!output) return true;
    const length = output.length;
    for (let i = 0; i < length; i++) {
      this.frame[this.filled++] = input ? input[i] : 0;
      if (this.filled === FRAME) {
        this.flush();
        this.filled = 0;
      }
    }
    const n = this.out.length;
    if (this.size >= length) {
      for (let i = 0; i < length; i++) output[i] = this.out[(this.head + i) % n];
      this.head = (this.head + length) % n;
      this.size -= length;
    } else {
      output.fill(0);
    }
    for (let c = 1; c < outputs[0].length; c++) outputs[0][c].set(output);
    return true;
  }
}

registerProcessor("chorus-rnnoise", RnnoiseProcessor);
