import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Network namespaces need root and iproute2; CI runs as root on a machine that has both. */
export function canMakeRemoteHost(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface RemoteHost {
  /** The address of this machine as the other host sees it; listen on it (or on every interface). */
  serverAddress: string;
  /** GET or POST from the other host; answers the status and the parsed body. */
  fetch(
    url: string,
    init?: { method?: string; headers?: Record<string, string>; body?: string },
  ): Promise<{ status: number; body: unknown }>;
  remove(): Promise<void>;
}

/**
 * Another host on a private link of its own: a network namespace joined to this one by a veth pair,
 * with addresses from a /30 chosen per process, so requests really arrive from a non-loopback address.
 */
export async function makeRemoteHost(): Promise<RemoteHost> {
  const tag = (process.pid % 60_000).toString(36);
  const ns = `fp-${tag}`;
  const [hostSide, remoteSide] = [`fph${tag}`, `fpr${tag}`];
  const subnet = `10.${231 + (process.pid % 20)}.${(process.pid >> 6) % 250}`;
  const serverAddress = `${subnet}.1`;
  const ip = (...args: string[]) => run('ip', args);
  const inNs = (...args: string[]) => run('ip', ['netns', 'exec', ns, ...args]);
  const remove = async () => {
    await ip('link', 'del', hostSide).catch(() => undefined);
    await ip('netns', 'del', ns).catch(() => undefined);
  };
  await remove();
  await ip('netns', 'add', ns);
  await ip('link', 'add', hostSide, 'type', 'veth', 'peer', 'name', remoteSide);
  await ip('link', 'set', remoteSide, 'netns', ns);
  await ip('addr', 'add', `${serverAddress}/30`, 'dev', hostSide);
  await ip('link', 'set', hostSide, 'up');
  await inNs('ip', 'addr', 'add', `${subnet}.2/30`, 'dev', remoteSide);
  await inNs('ip', 'link', 'set', remoteSide, 'up');
  return {
    serverAddress,
    async fetch(url, init = {}) {
      const script = `fetch(process.argv[1], JSON.parse(process.argv[2]))
        .then(async (r) => console.log(JSON.stringify({ status: r.status, body: await r.json().catch(() => null) })))
        .catch((e) => { console.error(e); process.exit(1); })`;
      const { stdout } = await inNs(process.execPath, '-e', script, url, JSON.stringify(init));
      return JSON.parse(stdout);
    },
    remove,
  };
}
