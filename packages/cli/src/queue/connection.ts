// The Redis connection of the job queue (issue 18): a redis:// or rediss:// URL parsed into
// ioredis options, the URL with its credentials hidden for messages, and a check that Redis
// answers (within seconds, with one clear error) before any job is submitted or taken.
// Credentials come only from the URL (or PACGEN_QUEUE) and are never printed or stored.

import { Redis } from 'ioredis';
import { CliError } from '../errors.js';

/** The queue every pacgen job goes through (one per Redis database). */
export const QUEUE_NAME = 'pacgen';

/** Plain connection options, valid for ioredis and BullMQ alike. */
export interface QueueRedisOptions {
  host: string;
  port: number;
  db: number;
  username: string | undefined;
  password: string | undefined;
  tls: object | undefined;
  maxRetriesPerRequest: null;
  connectTimeout: number;
}

/** What a queue URL says, ready for ioredis and BullMQ. */
export interface QueueConnection {
  /** The URL with user and password replaced by '***', for messages. */
  display: string;
  options: QueueRedisOptions;
}

/**
 * Parses `redis://[user:pass@]host[:port][/db]` or `rediss://…` (TLS). Throws a CliError naming
 * the problem (never the password) for anything else. Cost: none.
 */
export function parseQueueUrl(url: string): QueueConnection {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new CliError(`--queue: not a URL (expected redis://host:port)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new CliError(`--queue: ${u.protocol} is not a Redis URL (use redis:// or rediss://)`);
  }
  if (u.hostname === '') throw new CliError('--queue: the URL names no host');
  const port = u.port === '' ? 6379 : Number(u.port);
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!(Number.isInteger(db) && db >= 0 && db <= 15) || !/^\d*$/.test(dbText)) {
    throw new CliError(`--queue: the database must be an integer in [0, 15], got '${dbText}'`);
  }
  const secret = u.username !== '' || u.password !== '';
  const display = `${u.protocol}//${secret ? '***@' : ''}${u.host}${db === 0 ? '' : `/${db}`}`;
  return {
    display,
    options: {
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port,
      db,
      username: u.username === '' ? undefined : decodeURIComponent(u.username),
      password: u.password === '' ? undefined : decodeURIComponent(u.password),
      tls: u.protocol === 'rediss:' ? {} : undefined,
      // BullMQ's blocking commands need this; connection failures surface through checkQueue.
      maxRetriesPerRequest: null,
      connectTimeout: 3000,
    },
  };
}

/**
 * Connects once and sends PING: resolves when Redis answers, otherwise throws a CliError within
 * about `timeoutMs` (unreachable, refused password, not Redis). Cost: one connection.
 */
export async function checkQueue(c: QueueConnection, timeoutMs = 4000): Promise<void> {
  const redis = new Redis({
    ...c.options,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    lazyConnect: true,
  });
  // ioredis reports an AUTH refusal here and then only 'Connection is closed': keep it.
  let lastError = '';
  redis.on('error', (e: Error) => {
    lastError = e.message;
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect().then(() => redis.ping()),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('no answer')), timeoutMs);
      }),
    ]);
  } catch (e) {
    const reason = `${e instanceof Error ? e.message : String(e)} ${lastError}`.trim();
    if (/WRONGPASS|NOAUTH|invalid password|AUTH/i.test(reason)) {
      throw new CliError(`Redis at ${c.display} refused the credentials`, {
        hint: 'check the user and password in the URL or PACGEN_QUEUE',
      });
    }
    const first = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    throw new CliError(`cannot reach Redis at ${c.display} (${first})`, {
      hint: 'start redis-server, or check the host and port',
    });
  } finally {
    clearTimeout(timer);
    redis.disconnect();
  }
}

/**
 * The queue `url` names (else PACGEN_QUEUE), checked to answer; null when neither is set.
 * Cost: one connection.
 */
export async function connectQueue(url: string | undefined): Promise<QueueConnection | null> {
  const u = url ?? process.env.PACGEN_QUEUE;
  if (u === undefined || u === '') return null;
  const connection = parseQueueUrl(u);
  await checkQueue(connection);
  return connection;
}
