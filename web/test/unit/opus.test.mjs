import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./load.mjs";

const { withStereo } = await load("media/opus.ts");

const sdp = [
  "v=0",
  "m=audio 9 UDP/TLS/RTP/SAVPF 111 0",
  "a=rtpmap:111 opus/48000/2",
  "a=fmtp:111 minptime=10;useinbandfec=1;stereo=0",
  "a=rtpmap:0 PCMU/8000",
  "m=video 9 UDP/TLS/RTP/SAVPF 96",
  "a=rtpmap:96 VP8/90000",
  "a=fmtp:96 x=1",
  "",
].join("\r\n");

test("stereo goes on the Opus fmtp line only, replacing a stereo=0", () => {
  const out = withStereo(sdp).split("\r\n");
  assert.ok(out.includes("a=fmtp:111 minptime=10;useinbandfec=1;stereo=1;sprop-stereo=1"), out.join("\n"));
  assert.ok(out.includes("a=fmtp:96 x=1"));
  assert.equal(out.length, sdp.split("\r\n").length);
  assert.equal(withStereo(withStereo(sdp)), withStereo(sdp), "applying it twice changes nothing more");
});

test("an Opus payload type without fmtp gets one", () => {
  const out = withStereo("m=audio 9 RTP/AVP 109\na=rtpmap:109 opus/48000/2\na=mid:0\n").split("\n");
  assert.deepEqual(out.slice(1, 3), ["a=rtpmap:109 opus/48000/2", "a=fmtp:109 stereo=1;sprop-stereo=1"]);
});
