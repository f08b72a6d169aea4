// A throttling UDP relay between browsers and the SFU, on loopback: the server advertises the
// relay's address (`--public-ip`), the relay forwards each client's datagrams to the SFU from a
// socket of its own, and sends the SFU's replies back through a bottleneck whose rate the test
// sets and lifts: a drop-tail queue drained at the rate, as a congested router's (a datagram that
// would wait longer than MAX_QUEUE_MS is dropped). Toward the SFU nothing is throttled.
import dgram from "node:dgram";

/** The longest a datagram waits in the bottleneck's queue before it is dropped instead. */
export const MAX_QUEUE_MS = 150;

function bound(socket, port, address) {
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, address, () => {
      socket.off("error", reject);
      resolve(socket);
    });
  });
}

/** A UDP port free on 127.0.0.1 now (the server binds UDP and TCP on it next). */
export async function freePort() {
  const probe = await bound(dgram.createSocket("udp4"), 0, "127.0.0.1");
  const { port } = probe.address();
  probe.close();
  return port;
}

/**
 * Relays `front` ({address, port}) to `sfu`; resolves with {setRate(bps), dropped(), close()}.
 * A rate of 0 lifts the bottleneck.
 */
export async function startThrottleRelay(front, sfu) {
  const socket = await bound(dgram.createSocket("udp4"), front.port, front.address);
  const clients = new Map();
  let rate = 0;
  let dropped = 0;

  const drain = (c) => {
    c.timer = null;
    const now = performance.now();
    while (c.queue.length && c.queue[0].at <= now) socket.send(c.queue.shift().data, c.port, c.address);
    if (c.queue.length) c.timer = setTimeout(() => drain(c), Math.max(0, c.queue[0].at - now));
  };
  const back = (c, data) => {
    const now = performance.now();
    if (rate === 0 && c.queue.length === 0) {
      c.freeAt = now;
      socket.send(data, c.port, c.address);
      return;
    }
    const start = Math.max(c.freeAt, now);
    if (start - now > MAX_QUEUE_MS) {
      dropped++;
      return;
    }
    // IP and UDP headers count on the wire.
    c.freeAt = rate === 0 ? start : start + ((data.length + 28) * 8 * 1000) / rate;
    c.queue.push({ at: c.freeAt, data });
    if (!c.timer) c.timer = setTimeout(() => drain(c), Math.max(0, c.freeAt - now));
  };

  socket.on("message", (msg, from) => {
    const key = `${from.address}:${from.port}`;
    let c = clients.get(key);
    if (!c) {
      c = { address: from.address, port: from.port, up: dgram.createSocket("udp4"), freeAt: 0, queue: [], timer: null };
      c.up.bind(0, "127.0.0.2");
      c.up.on("message", (data) => back(c, data));
      clients.set(key, c);
    }
    c.up.send(msg, sfu.port, sfu.address);
  });

  return {
    setRate(bps) {
      rate = bps;
    },
    dropped: () => dropped,
    close() {
      for (const c of clients.values()) {
        clearTimeout(c.timer);
        c.up.close();
      }
      socket.close();
    },
  };
}
