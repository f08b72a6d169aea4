import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./load.mjs";

const { grade, LinkMeter, ActiveSpeaker } = await load("media/quality.ts");
const { NetworkQuality } = await load("enums/values.ts");

const sample = (lost, rttMs, expected = 1000) => ({ expected, lost, rttMs, down: false });

test("grades follow loss and round-trip time", () => {
  assert.equal(grade(null), NetworkQuality.UNKNOWN);
  assert.equal(grade(sample(0, 0, 0)), NetworkQuality.UNKNOWN);
  assert.equal(grade({ ...sample(0, 10), down: true }), NetworkQuality.DOWN);
  assert.equal(grade(sample(0, 20)), NetworkQuality.EXCELLENT);
  assert.equal(grade(sample(0, null)), NetworkQuality.EXCELLENT);
  assert.equal(grade(sample(20, 20)), NetworkQuality.GOOD);
  assert.equal(grade(sample(0, 150)), NetworkQuality.GOOD);
  assert.equal(grade(sample(50, 20)), NetworkQuality.POOR);
  assert.equal(grade(sample(100, 20)), NetworkQuality.BAD);
  assert.equal(grade(sample(0, 500)), NetworkQuality.BAD);
  assert.equal(grade(sample(200, 20)), NetworkQuality.VBAD);
  assert.equal(grade(sample(0, 900)), NetworkQuality.VBAD);
});

/** A stats report as getStats gives it: a Map of stats by id. */
const report = (...stats) => new Map(stats.map((s, i) => [s.id ?? String(i), s]));

test("the downlink meter takes each interval's difference of the cumulative counters", () => {
  const meter = new LinkMeter();
  meter.begin();
  meter.add("a", report({ type: "inbound-rtp", packetsReceived: 90, packetsLost: 10 }), "down");
  assert.deepEqual(meter.end(), { expected: 100, lost: 10, rttMs: null, down: false });
  meter.begin();
  meter.add("a", report({ type: "inbound-rtp", packetsReceived: 190, packetsLost: 10 }), "down");
  assert.deepEqual(meter.end(), { expected: 100, lost: 0, rttMs: null, down: false });
});

test("the uplink meter reads the loss the far end reports and the pair's round-trip time", () => {
  const meter = new LinkMeter();
  meter.begin();
  meter.add(
    "a",
    report(
      { type: "outbound-rtp", packetsSent: 200 },
      { type: "remote-inbound-rtp", fractionLost: 0.05 },
      { type: "transport", selectedCandidatePairId: "p", dtlsState: "connected", iceState: "connected" },
      { id: "p", type: "candidate-pair", currentRoundTripTime: 0.25 },
    ),
    "up",
  );
  assert.deepEqual(meter.end(), { expected: 200, lost: 10, rttMs: 250, down: false });
  meter.begin();
  assert.equal(meter.end(), null);
});

test("a failed transport reads as down", () => {
  const meter = new LinkMeter();
  meter.begin();
  meter.add("a", report({ type: "transport", dtlsState: "failed" }), "down");
  assert.equal(grade(meter.end()), NetworkQuality.DOWN);
});

test("the active speaker is reported only when it changes", () => {
  const speaker = new ActiveSpeaker();
  const loud = (userId, volume) => ({ userId, volume });
  const first = speaker.update([loud("a", 10), loud("b", 100)]);
  assert.equal(first, "b");
  assert.equal(speaker.update([loud("a", 10), loud("b", 90)]), null);
  assert.equal(speaker.update([loud("a", 120), loud("b", 90)]), "a");
  assert.equal(speaker.update([loud("b", 10)]), null, "too quiet to be speaking");
  assert.equal(speaker.update([]), null);
  speaker.reset();
  assert.equal(speaker.update([loud("a", 120)]), "a");
});
