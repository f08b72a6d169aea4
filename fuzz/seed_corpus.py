#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/corpus/<target>/: a few valid inputs per fuzz target, for
cargo-fuzz to start from and for the server's fuzz_corpus test to replay. Run from anywhere:
    python3 fuzz/seed_corpus.py
It rewrites only the seeds it names; inputs a fuzzer found and were added by hand stay."""
import hashlib
import json
import os
import struct
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    os.makedirs(os.path.join(ROOT, target), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(ROOT, target, name), "wb") as f:
        f.write(data)


def stun_attr(kind, value):
    pad = (4 - len(value) % 4) % 4
    return struct.pack(">HH", kind, len(value)) + value + b"\0" * pad


def binding_request(username):
    """An ICE binding request as browsers send it: USERNAME, ICE-CONTROLLING, PRIORITY,
    USE-CANDIDATE, MESSAGE-INTEGRITY (its bytes made up: nothing here checks it), FINGERPRINT."""
    tid = bytes(range(1, 13))
    attrs = stun_attr(0x0006, username.encode())
    attrs += stun_attr(0x802A, bytes(8))
    attrs += stun_attr(0x0024, struct.pack(">I", 0x6E7F1EFF))
    attrs += stun_attr(0x0025, b"")
    attrs += stun_attr(0x0008, bytes(range(20)))
    length = len(attrs) + 8
    head = struct.pack(">HHI", 0x0001, length, 0x2112A442) + tid
    crc = (zlib.crc32(head + attrs) & 0xFFFFFFFF) ^ 0x5354554E
    return head + attrs + stun_attr(0x8028, struct.pack(">I", crc))


def rtp(payload_type, seq, payload):
    return struct.pack(">BBHII", 0x80, 0x80 | payload_type, seq, 90000, 0x1234) + payload


SPS = bytes([0x67, 0x42, 0xC0, 0x1F, 0xDA, 0x01, 0x40, 0x16, 0xE8])
PPS = bytes([0x68, 0xCE, 0x3C, 0x80])
IDR = bytes([0x65, 0x88, 0x84, 0x00, 0x33, 0xFF])
STAP_A = bytes([0x18]) + struct.pack(">H", len(SPS)) + SPS + struct.pack(">H", len(PPS)) + PPS
FU_A_START = bytes([0x7C, 0x85]) + IDR[1:]
VP8_KEY = bytes([0x10, 0x50, 0x2A, 0x00, 0x9D, 0x01, 0x2A, 0x40, 0x01, 0xF0, 0x00])
VP8_KEY_PICTURE_ID = bytes([0x90, 0x80, 0x81, 0x23]) + VP8_KEY[1:]
VP8_DELTA = bytes([0x10, 0x51, 0x2A, 0x00])

OFFER = "\r\n".join([
    "v=0",
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
    "s=-",
    "t=0 0",
    "a=group:BUNDLE 0 1",
    "a=extmap-allow-mixed",
    "a=msid-semantic: WMS stream",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111",
    "c=IN IP4 0.0.0.0",
    "a=rtcp:9 IN IP4 0.0.0.0",
    "a=ice-ufrag:cliU",
    "a=ice-pwd:cliPasswordCliPassword12",
    "a=ice-options:trickle",
    "a=fingerprint:sha-256 " + ":".join(["AB"] * 32),
    "a=setup:actpass",
    "a=mid:0",
    "a=sendonly",
    "a=msid:stream audio",
    "a=rtcp-mux",
    "a=rtpmap:111 opus/48000/2",
    "a=fmtp:111 minptime=10;useinbandfec=1",
    "a=ssrc:1001 cname:chorus",
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97",
    "c=IN IP4 0.0.0.0",
    "a=rtcp:9 IN IP4 0.0.0.0",
    "a=ice-ufrag:cliU",
    "a=ice-pwd:cliPasswordCliPassword12",
    "a=fingerprint:sha-256 " + ":".join(["AB"] * 32),
    "a=setup:actpass",
    "a=mid:1",
    "a=sendonly",
    "a=msid:stream video",
    "a=rtcp-mux",
    "a=rtcp-rsize",
    "a=rtpmap:96 H264/90000",
    "a=rtcp-fb:96 nack",
    "a=rtcp-fb:96 nack pli",
    "a=fmtp:96 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
    "a=rtpmap:97 VP8/90000",
    "a=rid:h send",
    "a=rid:l send",
    "a=simulcast:send h;l",
    "a=ssrc:2001 cname:chorus",
    "",
])
TRACKS = [
    {"mid": "0", "streamIndex": 0, "kind": "audio"},
    {"mid": "1", "streamIndex": 0, "kind": "video"},
]


def webhook(secret):
    fields = {
        "EventType": "UserJoinRoom",
        "EventData": json.dumps({"RoomId": "room", "UserId": "user", "Timestamp": 1700000000000}),
        "EventTime": "2023-11-14T22:13:20.000Z",
        "EventId": "0123456789abcdef",
        "AppId": "0123456789abcdef01234567",
        "Version": "2020-12-01",
        "Nonce": "abcd",
    }
    joined = "".join(sorted(list(fields.values()) + [secret]))
    fields["Signature"] = hashlib.sha256(joined.encode()).hexdigest()
    return json.dumps(fields)


# room_core: commands as room/fuzz_driver.rs reads them (first byte: the command; sessions
# 1..6 are written 0..5; users 0..3 are ann, bob, cy, dee).
def join(session, user, expire=0, held=0x1F, privilege_expiry=0):
    return [0, session, user, 1, expire, held] + [privilege_expiry] * bin(held).count("1") + [1, 1]


PUBLISH_MAIN_AV = [4, 0, 0, 2]
SUBSCRIBE_S2_TO_ANN = [6, 1, 0, 0, 0, 2]
ROOM_SEQUENCES = {
    "publish_subscribe_message": [
        join(0, 0), join(1, 1), PUBLISH_MAIN_AV, SUBSCRIBE_S2_TO_ANN,
        [9, 1, 0, 2], [8, 1, 1, 1], [10, 0, 1, 4], [11, 1, 4], [12, 2, 1, 0, 1], [2, 0],
    ],
    "drop_miss_events_resume": [
        join(0, 0), join(1, 1), PUBLISH_MAIN_AV, [3, 1, 0], [11, 0, 255], [11, 0, 255],
        [5, 0, 0, 0], join(2, 1), [13, 0, 10], [3, 0, 1], [13, 1], [13, 1],
    ],
    "expiring_tokens_and_bans": [
        join(0, 0, expire=40), join(1, 1, held=0x03, privilege_expiry=10), [4, 1, 1, 2],
        [13, 1], [13, 1], [16, 1, 0, 0x1F, 0, 0, 0, 0, 0], [15, 1, 1, 5], join(3, 1),
        [14, 0], [17, 1, 0, 1], [15, 3], [15, 0],
    ],
    "crowd_and_duplicate_logins": [
        join(0, 0), join(1, 1), join(2, 2), join(3, 3), join(4, 0), join(4, 1),
        [7, 4, 0, 0, 1, 2], [2, 4], [2, 3],
    ],
}


def main():
    # token_parse: a valid token (app key "fuzz key", never expiring, publish and subscribe).
    write("token_parse", "valid", "0010123456789abcdef01234567OABOYbwAAPFTZQAAAAAEAHJvb20EAHVzZXIF"
          "AAAAAAAAAAEAAAAAAAIAAAAAAAMAAAAAAAQAAAAAACAA3qv1wLeLZsEqHXd4eDEPX04Y4JKJSQSnk/YihvqfSFQ=")
    write("signal_frame", "join_room",
          '{"id":1,"method":"joinRoom","params":{"token":"t","roomId":"room",'
          '"userInfo":{"userId":"user","extraInfo":"{}"}}}')
    write("signal_frame", "room_message",
          '{"id":2,"method":"sendRoomMessage","params":{"message":"aGVsbG8=","binary":true}}')
    write("signal_frame", "login", '{"id":3,"method":"login","params":{"token":"t","userId":"u"}}')
    body = json.dumps({"AppId": "0123456789abcdef01234567", "RoomId": "room", "UserId": "user"})
    write("openapi_verify", "kick_user", b"\xff".join([
        b"/", b"Action=KickUser&Version=2023-11-01",
        b"HMAC-SHA256 Credential=AK/20231114/cn-north-1/rtc/request, "
        b"SignedHeaders=host;x-date, Signature=" + b"0" * 64,
        b"20231114T221320Z", body.encode()]))
    write("stun_username", "binding_request", binding_request("srvU:cliU"))
    write("stun_username", "long_ufrags", binding_request("s" * 32 + ":" + "c" * 256))
    frames = b"".join(struct.pack(">H", len(f)) + f for f in [
        binding_request("srvU:cliU"), rtp(111, 1, b"\xfc" * 40), rtp(96, 2, IDR), b""])
    write("ice_tcp_frames", "whole", bytes([255]) + frames)
    write("ice_tcp_frames", "byte_by_byte", bytes([1]) + frames)
    write("ice_tcp_frames", "split_headers", bytes([3]) + frames)
    write("keyframe", "h264_idr", IDR)
    write("keyframe", "h264_stap_a_sps_pps", STAP_A)
    write("keyframe", "h264_fu_a_idr_start", FU_A_START)
    write("keyframe", "vp8_key", VP8_KEY)
    write("keyframe", "vp8_key_picture_id", VP8_KEY_PICTURE_ID)
    write("keyframe", "vp8_delta", VP8_DELTA)
    # sei: Annex-B access units, one with Chorus's SEI message ("chorus-sei" tag, seq 1, "hi").
    annex_b = lambda *nals: b"".join(b"\0\0\0\1" + n for n in nals)
    write("sei", "idr_access_unit", annex_b(SPS, PPS, IDR))
    write("sei", "with_chorus_sei", annex_b(SPS, PPS, bytes([6, 5, 18]) + b"chorus-sei\0\1" + bytes([0, 0, 3, 0, 1]) + b"hi\x80", IDR))
    write("sdp_tracks", "offer_with_tracks", OFFER.encode() + b"\xff" + json.dumps(TRACKS).encode())
    write("sdp_tracks", "offer_mids_only", OFFER)
    write("binary_payload", "base64", "aGVsbG8gd29ybGQ=")
    write("binary_payload", "base64_unpadded_bad", "aGVsbG8gd29ybGQ")
    write("binary_payload", "text", "hello, room")
    app = "0123456789abcdef01234567"
    write("openapi_body", "kick_user", body)
    write("openapi_body", "ban_room_user",
          json.dumps({"AppId": app, "RoomId": "room", "UserId": "u", "ForbiddenInterval": 60}))
    write("openapi_body", "send_unicast",
          json.dumps({"AppId": app, "From": "server", "To": "u", "Message": "hi"}))
    write("openapi_body", "batch_send_room_unicast",
          json.dumps({"AppId": app, "RoomId": "room", "From": "server", "To": ["a", "b"],
                      "Binary": True, "Message": "aGk="}))
    write("openapi_body", "send_broadcast",
          json.dumps({"AppId": app, "RoomId": "room", "From": "server", "Message": "hi"}))
    write("openapi_query", "get_room_online_users",
          "Action=GetRoomOnlineUsers&Version=2023-11-01&AppId=" + app + "&RoomId=r%201")
    write("openapi_query", "repeated", "RoomId=a&RoomId=b&%ZZ=%&&=")
    write("webhook_signature", "user_join_room", webhook("fuzz secret"))
    for name, steps in ROOM_SEQUENCES.items():
        write("room_core", name, bytes(b for step in steps for b in step))


if __name__ == "__main__":
    main()
