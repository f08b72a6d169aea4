// Device state events in Chromium. Headless Chromium cannot plug a device: its fake devices
// are fixed at launch, no DevTools command adds or removes one, and revoking the camera
// permission ends the tracks but leaves the list as it was, without a `devicechange`. So the
// plugging itself is covered by test/unit/devicewatch.test.mjs; here, Chromium's real device
// list through the engine: a `devicechange` over an unchanged list reports nothing, before
// and after permission, while the engine keeps working.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "./lib/server.mjs";
import { launch, sdkPage } from "./lib/browser.mjs";

let server, browser, page;

before(async () => {
  server = await startServer();
  browser = await launch();
  const p = sdkPage(server);
  page = await browser.page(p.url, p.html);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("a devicechange over Chromium's unchanged device list fires no device state event", async () => {
  const got = await page.evaluate(async (appId) => {
    const engine = VERTC.createEngine(appId);
    const heard = [];
    for (const name of [VERTC.events.onVideoDeviceStateChanged, VERTC.events.onAudioDeviceStateChanged])
      engine.on(name, (e) => heard.push({ name, kind: e.mediaDeviceInfo.kind, state: e.deviceState }));
    const settle = () => new Promise((r) => setTimeout(r, 500));
    const before = await navigator.mediaDevices.enumerateDevices();
    navigator.mediaDevices.dispatchEvent(new Event("devicechange"));
    await settle();
    await engine.startVideoCapture();
    await engine.startAudioCapture();
    await settle();
    const after = await navigator.mediaDevices.enumerateDevices();
    navigator.mediaDevices.dispatchEvent(new Event("devicechange"));
    await settle();
    VERTC.destroyEngine(engine);
    return {
      names: [VERTC.events.onVideoDeviceStateChanged, VERTC.events.onAudioDeviceStateChanged],
      heard,
      idsBefore: before.filter((d) => d.deviceId).length,
      idsAfter: after.filter((d) => d.deviceId).length,
    };
  }, server.appId);
  console.log(`# devices with ids before capture ${got.idsBefore}, after ${got.idsAfter}`);
  assert.deepEqual(got.names, ["onVideoDeviceStateChanged", "onAudioDeviceStateChanged"]);
  assert.ok(got.idsAfter >= 3, "with permission Chromium lists its fake devices by id");
  assert.deepEqual(got.heard, []);
});
