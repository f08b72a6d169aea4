// Error codes provoked through the Web SDK: each call must fail with the contract's code
// (and a message), whether the SDK or the server detects the mistake.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { chorusBinary, startServer } from "./lib/server.mjs";
import { launch, sdkPage, waitFor } from "./lib/browser.mjs";
import { devToken, joinWithMedia } from "./lib/client.mjs";
import { startSilentServer } from "./lib/silent.mjs";

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

/** Runs `body` (source of an async function of (VERTC, engine, appId)) in the page; returns the error's code. */
async function codeOf(body, arg = null) {
  const r = await page.evaluate(
    async ({ body, appId, arg }) => {
      const engine = VERTC.createEngine(
        appId,
        arg?.serverUrl ? { serverUrl: arg.serverUrl, requestTimeoutMs: arg.timeoutMs } : {},
      );
      try {
        await new Function("VERTC", "engine", "arg", `return (async () => { ${body} })()`)(VERTC, engine, arg);
        return { ok: true };
      } catch (e) {
        return { code: e.code, message: e.message };
      } finally {
        try {
          VERTC.destroyEngine(engine);
        } catch {}
      }
    },
    { body, appId: server.appId, arg },
  );
  assert.ok(!r.ok, `expected an error from: ${body}`);
  assert.equal(typeof r.message, "string");
  assert.ok(r.message.length > 10, `a message that says what to do: ${r.message}`);
  return r.code;
}

test("destroyEngine refuses anything but a live engine: INVALID_ENGINE", async () => {
  assert.equal(await codeOf("VERTC.destroyEngine({})"), "INVALID_ENGINE");
  assert.equal(await codeOf("VERTC.destroyEngine(engine); VERTC.destroyEngine(engine);"), "INVALID_ENGINE");
  assert.equal(
    await codeOf("VERTC.destroyEngine(engine); await engine.joinRoom(null, 'r', {userId: 'u'});"),
    "INVALID_ENGINE",
  );
});

test("bad arguments: INVALID_PARAMS", async () => {
  assert.equal(await codeOf("await engine.joinRoom('t', 'bad room!', {userId: 'u'})"), "INVALID_PARAMS");
  assert.equal(
    await codeOf("await engine.joinRoom('t', 'r', {userId: 'u', extraInfo: 'x'.repeat(201)})"),
    "INVALID_PARAMS",
  );
  assert.equal(await codeOf("await engine.publishStream(7)"), "INVALID_PARAMS");
});

test("a token that is not valid: INVALID_TOKEN from the server", async () => {
  assert.equal(await codeOf("await engine.joinRoom('001nonsense', 'room1', {userId: 'u1'})"), "INVALID_TOKEN");
});

test("a second join, and updateToken outside a room: REPEAT_JOIN, UPDATE_TOKEN_BEFORE_JOIN", async () => {
  const token = await devToken(page, "room2", "u2");
  assert.equal(
    await codeOf(
      `await engine.joinRoom(${JSON.stringify(token)}, 'room2', {userId: 'u2'}); await engine.joinRoom(${JSON.stringify(token)}, 'room2', {userId: 'u2'})`,
    ),
    "REPEAT_JOIN",
  );
  assert.equal(await codeOf("await engine.updateToken('001x')"), "UPDATE_TOKEN_BEFORE_JOIN");
});

test("publishing, subscribing and messaging before joining: NOT_CONNECTED_YET, USER_MESSAGE_NOT_JOIN, USER_MESSAGE_NOT_LOGIN", async () => {
  assert.equal(await codeOf("await engine.publishStream(VERTC.MediaType.AUDIO)"), "NOT_CONNECTED_YET");
  assert.equal(await codeOf("await engine.subscribeStream('bob', VERTC.MediaType.AUDIO)"), "NOT_CONNECTED_YET");
  assert.equal(await codeOf("await engine.sendUserMessage('bob', 'hi')"), "USER_MESSAGE_NOT_JOIN");
  assert.equal(await codeOf("await engine.sendRoomMessage('hi')"), "USER_MESSAGE_NOT_JOIN");
  assert.equal(await codeOf("await engine.sendUserMessageOutsideRoom('bob', 'hi')"), "USER_MESSAGE_NOT_LOGIN");
});

test("in a room, the server refuses what does not exist: STREAM_NOT_EXIST, USER_MESSAGE_NO_RECEIVER", async () => {
  const token = await devToken(page, "room3", "u3");
  const join = `await engine.joinRoom(${JSON.stringify(token)}, 'room3', {userId: 'u3'});`;
  assert.equal(
    await codeOf(`${join} await engine.subscribeStream('nobody', VERTC.MediaType.VIDEO)`),
    "STREAM_NOT_EXIST",
  );
  assert.equal(await codeOf(`${join} await engine.sendUserMessage('nobody', 'hi')`), "USER_MESSAGE_NO_RECEIVER");
  assert.equal(await codeOf(`${join} await engine.takeRemoteSnapshot('nobody', 0)`), "STREAM_NOT_EXIST");
});

test("capture twice, from a missing device, or while the source is external: REPEAT_CAPTURE, GET_AUDIO/VIDEO_TRACK_FAILED, STREAM_TYPE_NOT_MATCH", async () => {
  assert.equal(await codeOf("await engine.startVideoCapture(); await engine.startVideoCapture()"), "REPEAT_CAPTURE");
  assert.equal(await codeOf("await engine.startAudioCapture(); await engine.startAudioCapture()"), "REPEAT_CAPTURE");
  assert.equal(await codeOf("await engine.startVideoCapture('no-such-camera')"), "GET_VIDEO_TRACK_FAILED");
  assert.equal(await codeOf("await engine.startAudioCapture('no-such-microphone')"), "GET_AUDIO_TRACK_FAILED");
  assert.equal(await codeOf("await engine.startScreenCapture(); await engine.startScreenCapture()"), "REPEAT_CAPTURE");
  assert.equal(
    await codeOf(
      "engine.setVideoSourceType(0, VERTC.VideoSourceType.VIDEO_SOURCE_TYPE_EXTERNAL); await engine.startVideoCapture()",
    ),
    "STREAM_TYPE_NOT_MATCH",
  );
  assert.equal(
    await codeOf(
      "engine.setAudioSourceType(0, VERTC.VideoSourceType.VIDEO_SOURCE_TYPE_EXTERNAL); await engine.stopAudioCapture()",
    ),
    "STREAM_TYPE_NOT_MATCH",
  );
  const track = "(await navigator.mediaDevices.getUserMedia({video: true})).getVideoTracks()[0]";
  assert.equal(await codeOf(`engine.setExternalVideoTrack(0, ${track})`), "STREAM_TYPE_NOT_MATCH");
});

test("players and snapshots need what they show: CANT_FIND_DOM, INVOKED_BEFORE_CAPTURE", async () => {
  assert.equal(
    await codeOf("engine.setLocalVideoPlayer(0, {renderDom: 'no-such-element', userId: 'u'})"),
    "CANT_FIND_DOM",
  );
  assert.equal(
    await codeOf("engine.setRemoteVideoPlayer(0, {renderDom: 'no-such-element', userId: 'bob'})"),
    "CANT_FIND_DOM",
  );
  assert.equal(await codeOf("await engine.takeLocalSnapshot(0)"), "INVOKED_BEFORE_CAPTURE");
});

test("an unreachable server fails the join (JOIN_ROOM_FAILED); a silent one times out (TIME_OUT)", async () => {
  const closed = await new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = s.address().port;
      s.close(() => resolve(`http://127.0.0.1:${port}`));
    });
  });
  assert.equal(
    await codeOf("await engine.joinRoom('001x', 'r', {userId: 'u'})", { serverUrl: closed }),
    "JOIN_ROOM_FAILED",
  );
  const silent = await startSilentServer();
  try {
    assert.equal(
      await codeOf("await engine.joinRoom('001x', 'r', {userId: 'u'})", { serverUrl: silent.url, timeoutMs: 500 }),
      "TIME_OUT",
    );
  } finally {
    await silent.close();
  }
});

test("a kick through the OpenAPI reaches the page as onError KICKED_OUT, and others see onUserLeave", async () => {
  const p = sdkPage(server, "kick");
  const [carol, dave] = [await browser.page(p.url, p.html), await browser.page(p.url, p.html)];
  await joinWithMedia(carol, server.appId, "kick", "carol", { audio: false, video: false });
  await joinWithMedia(dave, server.appId, "kick", "dave", { audio: false, video: false });
  await waitFor(
    () =>
      carol.evaluate(() => window.t.events.some((e) => e.name === "onUserJoined" && e.data.userInfo.userId === "dave")),
    10_000,
    "carol sees dave",
  );
  const out = spawnSync(
    chorusBinary(),
    [
      "api",
      "KickUser",
      JSON.stringify({ AppId: server.appId, RoomId: "kick", UserId: "dave" }),
      "--server",
      server.url,
      "--ak",
      server.ak,
      "--sk",
      server.sk,
    ],
    { encoding: "utf8" },
  );
  assert.equal(out.status, 0, out.stdout + out.stderr);
  const err = await waitFor(
    () => dave.evaluate(() => window.t.events.find((e) => e.name === "onError")?.data),
    10_000,
    "dave's onError",
  );
  assert.equal(err.errorCode, "KICKED_OUT");
  const leave = await waitFor(
    () => carol.evaluate(() => window.t.events.find((e) => e.name === "onUserLeave")?.data),
    10_000,
    "carol's onUserLeave",
  );
  assert.equal(leave.userInfo.userId, "dave");
  assert.equal(leave.reason, 3);
  // Removed means out of the room: sending now fails as for anyone not in a room.
  const code = await dave.evaluate(() => window.t.engine.sendRoomMessage("still here?").catch((e) => e.code));
  assert.equal(code, "USER_MESSAGE_NOT_JOIN");
  await carol.close();
  await dave.close();
});
