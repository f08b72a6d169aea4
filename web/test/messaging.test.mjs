// Messages between two pages: user and room messages, text and binary, and outside rooms
// after login; each checked for content and sender on the receiving side.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { startServer } from "./lib/server.mjs";
import { launch, sdkPage, waitFor } from "./lib/browser.mjs";
import { devToken, joinWithMedia } from "./lib/client.mjs";

let server, browser, alice, bob;

before(async () => {
  server = await startServer();
  browser = await launch();
  const p = sdkPage(server, "messaging");
  alice = await browser.page(p.url, p.html);
  bob = await browser.page(p.url, p.html);
  await joinWithMedia(alice, server.appId, "msgs", "alice", { audio: false, video: false });
  await joinWithMedia(bob, server.appId, "msgs", "bob", { audio: false, video: false });
  await waitFor(
    () => alice.evaluate(() => window.t.events.some((e) => e.name === "onUserJoined")),
    10_000,
    "alice sees bob",
  );
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Bob's received events named `name`, raw (binary payloads as byte arrays). */
function received(page, name) {
  return page.evaluate((name) => window.received?.[name] ?? [], name);
}

async function record(page) {
  await page.evaluate(() => {
    window.received = {};
    const names = [
      "onUserMessageReceived",
      "onRoomMessageReceived",
      "onUserBinaryMessageReceived",
      "onRoomBinaryMessageReceived",
      "onUserMessageReceivedOutsideRoom",
    ];
    for (const name of names) {
      window.t.engine.on(name, (e) => {
        const message = e.message instanceof ArrayBuffer ? [...new Uint8Array(e.message)] : e.message;
        (window.received[name] ??= []).push({ userId: e.userId, message });
      });
    }
  });
}

test("user and room messages, text and binary, arrive with their sender", async () => {
  await record(bob);
  await alice.evaluate(async () => {
    const e = window.t.engine;
    await e.sendUserMessage("bob", "hello bob");
    await e.sendRoomMessage("hello room");
    await e.sendUserBinaryMessage("bob", new Uint8Array([0, 1, 2, 255]).buffer);
    await e.sendRoomBinaryMessage(new Uint8Array([9, 8, 7]));
  });
  const user = await waitFor(
    () => received(bob, "onUserMessageReceived").then((m) => m.length && m),
    5000,
    "user message",
  );
  assert.deepEqual(user, [{ userId: "alice", message: "hello bob" }]);
  assert.deepEqual(await waitFor(() => received(bob, "onRoomMessageReceived").then((m) => m.length && m), 5000), [
    { userId: "alice", message: "hello room" },
  ]);
  assert.deepEqual(await waitFor(() => received(bob, "onUserBinaryMessageReceived").then((m) => m.length && m), 5000), [
    { userId: "alice", message: [0, 1, 2, 255] },
  ]);
  assert.deepEqual(await waitFor(() => received(bob, "onRoomBinaryMessageReceived").then((m) => m.length && m), 5000), [
    { userId: "alice", message: [9, 8, 7] },
  ]);
});

test("a message over 64 KB is refused before it is sent", async () => {
  const code = await alice.evaluate(() =>
    window.t.engine.sendRoomMessage("x".repeat(64 * 1024 + 1)).catch((e) => e.code),
  );
  assert.equal(code, "INVALID_PARAMS");
});

test("outside rooms: login, online status and a message between logged-in users", async () => {
  const [ta, tb] = [await devToken(alice, "", "alice"), await devToken(bob, "", "bob")];
  await alice.evaluate((t) => window.t.engine.login(t, "alice"), ta);
  assert.equal(await alice.evaluate(() => window.t.engine.getPeerOnlineStatus("bob")), 0);
  await bob.evaluate((t) => window.t.engine.login(t, "bob"), tb);
  assert.equal(await alice.evaluate(() => window.t.engine.getPeerOnlineStatus("bob")), 1);
  await alice.evaluate(() => window.t.engine.sendUserMessageOutsideRoom("bob", "psst"));
  const m = await waitFor(
    () => received(bob, "onUserMessageReceivedOutsideRoom").then((m) => m.length && m),
    5000,
    "outside-room message",
  );
  assert.deepEqual(m, [{ userId: "alice", message: "psst" }]);
  assert.equal(await alice.evaluate(() => window.t.engine.login("x", "alice").catch((e) => e.code)), "ALREADY_LOGIN");
  await bob.evaluate(() => window.t.engine.logout());
  assert.equal(
    await alice.evaluate(() => window.t.engine.sendUserMessageOutsideRoom("bob", "gone?").catch((e) => e.code)),
    "USER_MESSAGE_NO_RECEIVER",
  );
});

test("server messages: the business server gets them with the signature, its answer comes back, a refusal is an error", async () => {
  // Alice is still logged in from the test above.
  const posts = [];
  let status = 200;
  const business = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const json = JSON.parse(body);
      posts.push({ signature: req.headers["x-chorus-signature"], ...json });
      res.writeHead(status).end(status === 200 ? `ack ${json.Message}` : "nope");
    });
  });
  await new Promise((resolve) => business.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${business.address().port}/rtc`;
  try {
    const send = (m) => alice.evaluate((m) => window.t.engine.sendServerMessage(m).catch((e) => ({ code: e.code })), m);
    assert.deepEqual(await send("too early"), { code: "USER_MESSAGE_SERVER_PARAMS_NOTSET" });
    await alice.evaluate((url) => window.t.engine.setServerParams("sig-123", url), url);
    assert.equal(await send("order #1"), "ack order #1");
    const bytes = await alice.evaluate(() => window.t.engine.sendServerBinaryMessage(new Uint8Array([1, 2, 3])));
    assert.match(bytes, /^ack /);
    assert.deepEqual(
      posts.map(({ signature, UserId, Message, Binary }) => ({ signature, UserId, Message, Binary })),
      [
        { signature: "sig-123", UserId: "alice", Message: "order #1", Binary: false },
        { signature: "sig-123", UserId: "alice", Message: Buffer.from([1, 2, 3]).toString("base64"), Binary: true },
      ],
    );
    status = 500;
    assert.deepEqual(await send("refused"), { code: "USER_MESSAGE_SERVER_RESPONSE_ERROR" });
  } finally {
    await new Promise((resolve) => business.close(resolve));
  }
  // Nobody listens there any more: the post itself fails.
  assert.deepEqual(
    await alice.evaluate(() => window.t.engine.sendServerMessage("anyone?").catch((e) => ({ code: e.code }))),
    { code: "USER_MESSAGE_SEND_TO_SERVER_ERROR" },
  );
});

test("leaving ends the room for the others: onUserLeave with reason QUIT", async () => {
  await bob.evaluate(() => window.t.engine.leaveRoom());
  const leave = await waitFor(
    () => alice.evaluate(() => window.t.events.find((e) => e.name === "onUserLeave")?.data),
    10_000,
    "onUserLeave",
  );
  assert.deepEqual(leave, { userInfo: { userId: "bob" }, reason: 0 });
});
