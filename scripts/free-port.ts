import * as net from "node:net";

/** A TCP port free on 127.0.0.1 right now, for a local server a check starts (k8s-check, chart-check). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}
