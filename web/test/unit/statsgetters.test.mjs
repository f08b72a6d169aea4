import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./load.mjs";

const { figures, StatsDeltas, StatsBook } = await load("media/statsgetters.ts");

/** A stats report as the browser gives one: entries by id. */
const report = (...entries) => new Map(entries.map((e) => [e.id, e]));
const pair = { id: "P", type: "candidate-pair", currentRoundTripTime: 0.004 };
const transport = { id: "T", type: "transport", selectedCandidatePairId: "P" };
const h264 = { id: "C", type: "codec", mimeType: "video/H264", clockRate: 90000 };
const opus = { id: "O", type: "codec", mimeType: "audio/opus", clockRate: 48000, channels: 2 };

function inboundVideo(t, bytes, frames, received, lost) {
  return report(pair, transport, h264, {
    id: "I",
    type: "inbound-rtp",
    kind: "video",
    timestamp: t,
    codecId: "C",
    bytesReceived: bytes,
    framesDecoded: frames,
    packetsReceived: received,
    packetsLost: lost,
    frameWidth: 640,
    frameHeight: 480,
  });
}

test("received video: rates and loss over the interval, sizes and codec as reported", () => {
  const d = new StatsDeltas();
  const round = (r) => ({ local: [], remote: [{ userId: "u", index: 0, audio: null, video: r }] });
  figures(round(inboundVideo(1000, 10_000, 10, 100, 0)), d);
  const f = figures(round(inboundVideo(3000, 60_000, 70, 190, 10)), d);
  const v = f.remote[0].videoStats;
  assert.equal(v.statsInterval, 2000);
  assert.equal(v.receivedKBitrate, 200); // 50 kB in 2 s
  assert.equal(v.decoderOutputFrameRate, 30);
  assert.equal(v.videoLossRate, 0.1); // 10 lost of 100
  assert.deepEqual([v.width, v.height, v.codecType, v.rtt, v.isScreen], [640, 480, "H264", 4, false]);
  // No audio received: the vendor's zeros.
  assert.equal(f.remote[0].audioStats.receivedKBitrate, 0);
  assert.equal(f.remote[0].audioStats.receivedSampleRate, 48000);
});

test("sent video: simulcast layers' bytes add up, the size is the largest layer's", () => {
  const layer = (rid, t, bytes, frames, w) => ({
    id: rid,
    type: "outbound-rtp",
    kind: "video",
    rid,
    timestamp: t,
    codecId: "C",
    bytesSent: bytes,
    framesEncoded: frames,
    framesSent: frames,
    frameWidth: w,
    frameHeight: (w * 3) / 4,
  });
  const d = new StatsDeltas();
  const round = (t, k) => ({
    local: [
      {
        index: 0,
        audio: null,
        video: report(h264, layer("q", t, 1000 * k, 10 * k, 160), layer("f", t, 9000 * k, 10 * k, 640)),
      },
    ],
    remote: [],
  });
  figures(round(0, 1), d);
  const v = figures(round(1000, 2), d).local[0].videoStats;
  assert.equal(v.sentKBitrate, 80); // 10 kB in 1 s
  assert.equal(v.encoderOutputFrameRate, 10); // per layer
  assert.deepEqual([v.encodedFrameWidth, v.encodedFrameHeight, v.encodedFrameCount], [640, 480, 20]);
});

test("received audio: jitter-buffer delay per sample, concealment as stalls", () => {
  const audio = (t, bytes, delay, emitted, events, concealed) =>
    report(opus, {
      id: "A",
      type: "inbound-rtp",
      kind: "audio",
      timestamp: t,
      codecId: "O",
      bytesReceived: bytes,
      packetsReceived: t / 20,
      packetsLost: 0,
      jitterBufferDelay: delay,
      jitterBufferEmittedCount: emitted,
      concealmentEvents: events,
      concealedSamples: concealed,
    });
  const d = new StatsDeltas();
  const round = (r) => ({ local: [], remote: [{ userId: "u", index: 0, audio: r, video: null }] });
  figures(round(audio(1000, 0, 0, 0, 0, 0)), d);
  const a = figures(round(audio(2000, 4000, 2880, 48000, 2, 960)), d).remote[0].audioStats;
  assert.equal(a.receivedKBitrate, 32);
  assert.equal(a.jitterBufferDelay, 60); // 2880 s summed over 48000 samples
  assert.equal(a.stallCount, 2);
  assert.equal(a.stallDuration, 20); // 960 samples at 48 kHz
  assert.deepEqual([a.numChannels, a.receivedSampleRate, a.concealmentEvent], [2, 48000, 2]);
});

test("the book answers the getters by user, main and screen apart, zeros for the absent", () => {
  const book = new StatsBook();
  const d = new StatsDeltas();
  book.set(
    figures({ local: [], remote: [{ userId: "u", index: 1, audio: null, video: inboundVideo(1000, 1, 1, 1, 0) }] }, d),
  );
  const v = book.remoteVideo();
  assert.deepEqual(Object.keys(v), ["u"]);
  assert.equal(v.u[0].screenVideoStats.width, 640);
  assert.equal(v.u[0].screenVideoStats.isScreen, true);
  assert.equal(v.u[0].mainVideoStats.width, 0);
  assert.equal(book.localVideo().mainVideoStats.encodedFrameCount, 0);
  book.clear();
  assert.deepEqual(book.remoteAudio(), {});
});
