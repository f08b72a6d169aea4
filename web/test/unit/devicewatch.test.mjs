import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./load.mjs";

const { deviceChanges, eventFor } = await load("media/devicewatch.ts");

/** Devices as Chromium lists them (its fake devices, with permission). */
const dev = (kind, deviceId, label = deviceId) => ({ kind, deviceId, label, groupId: "g" });
const LISTED = [
  dev("audioinput", "default", "Default"),
  dev("audioinput", "mic1"),
  dev("videoinput", "cam1"),
  dev("audiooutput", "default", "Default"),
  dev("audiooutput", "spk1"),
];

test("a device that appears is active, one that goes is inactive; the same list reports nothing", () => {
  assert.deepEqual(
    deviceChanges(
      LISTED,
      LISTED.map((d) => ({ ...d })),
    ),
    [],
    "new objects, same devices",
  );
  const plugged = [...LISTED, dev("videoinput", "cam2")];
  assert.deepEqual(deviceChanges(LISTED, plugged), [{ mediaDeviceInfo: plugged[5], deviceState: "active" }]);
  const unplugged = LISTED.filter((d) => d.deviceId !== "mic1");
  assert.deepEqual(deviceChanges(LISTED, unplugged), [{ mediaDeviceInfo: LISTED[1], deviceState: "inactive" }]);
});

test("the default alias changing devices is no plug; a list without ids reports nothing", () => {
  const moved = LISTED.map((d) => (d.deviceId === "default" ? { ...d, label: "Default - other" } : d));
  assert.deepEqual(deviceChanges(LISTED, moved), []);
  const hidden = [dev("audioinput", ""), dev("videoinput", ""), dev("audiooutput", "")];
  assert.deepEqual(deviceChanges(hidden, LISTED), [], "permission granted: ids appear, nothing was plugged");
  assert.deepEqual(deviceChanges(LISTED, hidden), []);
});

test("cameras go out as the video event, microphones and speakers as the audio one", () => {
  assert.equal(eventFor("videoinput"), "onVideoDeviceStateChanged");
  assert.equal(eventFor("audioinput"), "onAudioDeviceStateChanged");
  assert.equal(eventFor("audiooutput"), "onAudioDeviceStateChanged");
});
