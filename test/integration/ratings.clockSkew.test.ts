/**
 * "Newest timestamp wins" against a server whose clock is off: the remote compares the
 * `updated_at` we send (local clock) with its own stamps (its clock). The emulator over loopback
 * with `clock_skew_ms` set right after a reset (a server that was always off), the real
 * marketplace client, and a real SQLite file that the local Atom writes with plain SQL.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { RatingSyncService } from '../../engine/ratings/ratingSyncService.js';
import type { MarketplaceClient } from '../../engine/remote/types.js';
import type { Db } from '../../engine/store/database.js';
import { skillIdOf } from '../../emulator/dataset.js';
import { API_BASE_PATH, startEmulator, type EmulatorFaults, type EmulatorHandle } from '../../emulator/index.js';
import { LocalAtom } from '../support/localAtom.js';
import { tempDir } from '../support/tempDir.js';
import { openRatingStack } from './support/ratingService.js';
import { startRemoteProxy, type RemoteProxy } from './support/remoteProxy.js';

const AHEAD_MS = 90_000;
const BASE_ONLY: EmulatorFaults = { unsupported_extensions: ['ratings_batch'] };
let emu: EmulatorHandle;

beforeAll(async () => {
  emu = await startEmulator({ skills: 50, seed: 17, ratingsPerSkill: 1 });
});
afterAll(async () => {
  await emu.close();
});

interface Env {
  db: Db;
  atom: LocalAtom;
  client: MarketplaceClient;
  service: RatingSyncService;
  /** A loopback proxy in front of the emulator, when the test asked for one. */
  proxy: RemoteProxy | null;
  /** The daemon killed and started again: a new client and service on the same database file. */
  restart: () => Promise<Env>;
  close: () => Promise<void>;
}
let env: Env | null = null;

/** A client that has not talked to the emulator yet, and a rating service over this database file. */
function connect(file: string, apiUrl: string) {
  return openRatingStack(file, { apiUrl, instanceId: 'ratings-clock-skew', retry: { maxAttempts: 3, baseDelayMs: 2, maxDelayMs: 20 } });
}

/** A fresh emulator state whose clock was always this far off, and a client that has not talked to it yet. */
async function setup(faults: EmulatorFaults, opts: { proxy?: boolean } = {}): Promise<Env> {
  emu.reset();
  emu.setFaults(faults);
  const tmp = tempDir('atom-ratings-skew-');
  const file = tmp.file('atom_dev.db');
  const proxy = opts.proxy ? await startRemoteProxy(emu.baseUrl) : null;
  const apiUrl = proxy ? `${proxy.baseUrl}${API_BASE_PATH}` : emu.apiUrl;
  let atom: LocalAtom | null = null;
  const open = async (): Promise<Env> => {
    const { db, client, service, close } = await connect(file, apiUrl);
    atom ??= new LocalAtom(file); // the engine creates the file and its schema
    const e: Env = {
      db,
      atom,
      client,
      service,
      proxy,
      restart: async () => {
        await close();
        return (env = await open());
      },
      close: async () => {
        await close();
        await proxy?.close();
        atom?.close();
        tmp.cleanup();
      },
    };
    return e;
  };
  env = await open();
  return env;
}

afterEach(async () => {
  await env?.close();
  env = null;
});

function atomRates(e: Env, skillId: string, userId: string, rating: number, comment: string, at = new Date().toISOString(), id: string = crypto.randomUUID()): string {
  e.atom.db
    .prepare(`INSERT INTO skill_ratings (id, skill_id, user_id, rating, comment, origin, sync_status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'local', 'pending', ?, ?)`)
    .run(id, skillId, userId, rating, comment, at, at);
  return id;
}
/** As the local Atom edits a rating: the trigger stamps the row with the local time now. */
const atomReRates = (e: Env, id: string, rating: number, comment: string) =>
  e.atom.db.prepare('UPDATE skill_ratings SET rating = ?, comment = ? WHERE id = ?').run(rating, comment, id);
const row = (e: Env, id: string) => e.db.prepare('SELECT * FROM skill_ratings WHERE id = ?').get(id) as Record<string, unknown>;

/** What the remote holds for the pair, straight from its record. */
const onRemote = (skillId: string, userId: string) =>
  emu.receivedRatings().items.filter((i) => i.skill_id === skillId && i.user_id === userId).map((i) => ({ rating: i.rating, comment: i.comment }));

/** The same user rating on another device: straight to the emulator, stamped by its clock. */
async function otherDeviceRates(skillId: string, userId: string, rating: number, comment: string): Promise<void> {
  const res = await request(`${emu.apiUrl}/skills/marketplace/skills/${skillId}/rate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ skill_id: skillId, user_id: userId, rating, comment }),
  });
  expect(res.statusCode).toBe(200);
  await res.body.dump();
}

/** The same user changing the rating on another device: a PUT without a stamp, so the server stamps it. */
async function otherDeviceReRates(skillId: string, userId: string, rating: number, comment: string): Promise<void> {
  const res = await request(`${emu.apiUrl}/skills/marketplace/skills/${skillId}/rate`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user_id: userId, rating, comment }),
  });
  expect(res.statusCode).toBe(200);
  await res.body.dump();
}

/** The estimate is an upper bound: at least the true skew, at most a Date header's second (and a loopback round trip) over. */
function expectOffsetNear(client: MarketplaceClient, skewMs: number): void {
  const offset = client.serverClockOffsetMs();
  expect(offset).not.toBeNull();
  expect(offset!).toBeGreaterThanOrEqual(skewMs);
  expect(offset!).toBeLessThanOrEqual(skewMs + 1_500);
}

describe('a server whose clock runs 90 s ahead', () => {
  it.each([
    ['base API', BASE_ONLY],
    ['batch', {}],
  ] as const)('a re-rating a second after an upload replaces the remote value (%s)', async (_name, faults) => {
    const e = await setup({ ...faults, clock_skew_ms: AHEAD_MS });
    const skill = skillIdOf(3);
    const id = atomRates(e, skill, 'local-user-s', 2, 'first look');
    await e.service.syncNow();
    expect(row(e, id)).toMatchObject({ sync_status: 'uploaded' });
    expect(onRemote(skill, 'local-user-s')).toEqual([{ rating: 2, comment: 'first look' }]);
    const stampedLocally = row(e, id).updated_at;

    await sleep(1_000);
    atomReRates(e, id, 5, 'a second later');
    await e.service.syncNow();

    expect(row(e, id)).toMatchObject({ sync_status: 'uploaded', rating: 5, comment: 'a second later' });
    expect(onRemote(skill, 'local-user-s')).toEqual([{ rating: 5, comment: 'a second later' }]);
    expect(emu.receivedRatings()).toMatchObject({ duplicates: [], requests: { create: 1, update: 1 } });
    // The stored stamp stays the local Atom's time; only what went out was translated.
    const restamped = Date.parse(row(e, id).updated_at as string);
    expect(restamped).toBeGreaterThan(Date.parse(stampedLocally as string));
    expect(restamped).toBeLessThanOrEqual(Date.now());
    expectOffsetNear(e.client, AHEAD_MS);
  });

  it('a batch item for a pair the remote already holds wins when it is newer, on the first request of the process', async () => {
    const e = await setup({ clock_skew_ms: AHEAD_MS });
    const skill = skillIdOf(4);
    await otherDeviceRates(skill, 'local-user-t', 1, 'from the phone');
    await sleep(1_000);
    const id = atomRates(e, skill, 'local-user-t', 4, 'from the desktop, a second later');
    await e.service.syncNow();

    expect(row(e, id)).toMatchObject({ sync_status: 'uploaded' });
    expect(onRemote(skill, 'local-user-t')).toEqual([{ rating: 4, comment: 'from the desktop, a second later' }]);
    expect(emu.receivedRatings()).toMatchObject({ duplicates: [], requests: { create: 1, update: 1 } });
    expectOffsetNear(e.client, AHEAD_MS);
  });
});

describe('a server whose clock runs 90 s behind', () => {
  it('a local rating made offline before the other device rated does not replace the newer value', async () => {
    const e = await setup({ clock_skew_ms: -AHEAD_MS });
    const skill = skillIdOf(5);
    const id = atomRates(e, skill, 'local-user-u', 3, 'rated offline', new Date(Date.now() - 10_000).toISOString());
    await otherDeviceRates(skill, 'local-user-u', 5, 'from the phone, later');
    await e.service.syncNow();

    expect(row(e, id)).toMatchObject({ sync_status: 'uploaded' });
    expect(onRemote(skill, 'local-user-u')).toEqual([{ rating: 5, comment: 'from the phone, later' }]);
    expectOffsetNear(e.client, -AHEAD_MS);
  });
});

/**
 * Clearing a skew does not step the emulator's stamps back: they stay ahead of its Date header
 * until real time catches up, as on a server whose clock was set back and whose stamps never go
 * backwards. Only the stamps it hands out (or the stamp of our own write) show how far ahead.
 */
describe('a server set back after running 90 s ahead: its stamps stay ahead of its Date header', () => {
  it('a re-rating in the next run replaces the value uploaded while the clock was ahead', async () => {
    const e = await setup({ clock_skew_ms: AHEAD_MS });
    const skill = skillIdOf(6);
    const id = atomRates(e, skill, 'local-user-v', 2, 'while it ran ahead');
    await e.service.syncNow();
    expect(onRemote(skill, 'local-user-v')).toEqual([{ rating: 2, comment: 'while it ran ahead' }]);
    emu.setFaults({});
    // Other traffic (a catalogue sync) meanwhile: the Date headers now show the server's clock set back.
    for (let i = 0; i < 10; i++) await e.client.listCategories();
    expect(e.client.serverClockOffsetMs()).toBeGreaterThan(AHEAD_MS - 2_000); // from the stamp of our write, not the headers

    await sleep(1_000);
    atomReRates(e, id, 4, 'after it was set back');
    await e.service.syncNow();
    expect(row(e, id)).toMatchObject({ sync_status: 'uploaded', rating: 4 });
    expect(onRemote(skill, 'local-user-v')).toEqual([{ rating: 4, comment: 'after it was set back' }]);
  });

  it('a re-rating made while the first upload of the pair is on its way replaces it in the same run', async () => {
    const e = await setup({ clock_skew_ms: AHEAD_MS }, { proxy: true });
    await otherDeviceRates(skillIdOf(8), 'someone-else', 3, 'moves the stamps ahead');
    emu.setFaults({});
    await e.client.listCategories();
    expectOffsetNear(e.client, 0); // the headers say nothing of the stamps still running ahead
    const skill = skillIdOf(7);
    atomRates(e, skill, 'local-user-w', 1, 'first', undefined, '00000000-0000-4000-8000-000000000001');
    let later: string | null = null;
    // The local Atom re-rates as the first upload goes out, after the page holding it was read.
    e.proxy!.hooks.before = (req) => {
      if (later !== null || req.method !== 'POST' || !JSON.stringify(req.body).includes('local-user-w')) return;
      later = atomRates(e, skill, 'local-user-w', 5, 'while the first was on its way', undefined, 'ffffffff-0000-4000-8000-000000000001');
    };
    await e.service.syncNow();

    expect(later).not.toBeNull();
    expect(row(e, later!)).toMatchObject({ sync_status: 'uploaded' });
    expect(onRemote(skill, 'local-user-w')).toEqual([{ rating: 5, comment: 'while the first was on its way' }]);
    expect(emu.receivedRatings()).toMatchObject({ duplicates: [] });
  });
});

/**
 * What the remote holds being our own earlier write is read from the store too, so it survives a
 * restart: the first process uploaded the value while the server ran ahead, the second one (a
 * fresh client, nothing in memory) sends the newer local value and is refused as older.
 */
describe('a server set back after running 90 s ahead, across a restart of the daemon', () => {
  it.each([
    ['base API', BASE_ONLY],
    ['batch', {}],
  ] as const)('a newer local rating sent after the restart replaces our value uploaded before it (%s)', async (_name, faults) => {
    let e = await setup({ ...faults, clock_skew_ms: AHEAD_MS });
    const skill = skillIdOf(9);
    const first = atomRates(e, skill, 'local-user-x', 2, 'before the restart');
    await e.service.syncNow();
    expect(row(e, first)).toMatchObject({ sync_status: 'uploaded' });
    expect(onRemote(skill, 'local-user-x')).toEqual([{ rating: 2, comment: 'before the restart' }]);
    emu.setFaults(faults); // set back: its Date headers are on time, its stamps still 90 s ahead

    await sleep(1_000);
    const later = atomRates(e, skill, 'local-user-x', 5, 'after the restart');
    e = await e.restart();
    await e.service.syncNow();

    expect(row(e, later)).toMatchObject({ sync_status: 'uploaded' });
    expect(onRemote(skill, 'local-user-x')).toEqual([{ rating: 5, comment: 'after the restart' }]);
    expect(emu.receivedRatings()).toMatchObject({ duplicates: [] });
  });

  it('a newer local rating replaces our earlier batch upload whose reply was lost before the restart', async () => {
    // No rating listing while the clock runs ahead, so no stamp of ours raises the offset estimate.
    let e = await setup({ unsupported_extensions: ['ratings_list'], clock_skew_ms: AHEAD_MS, lost_reply_rate: 1 });
    const skill = skillIdOf(11);
    const first = atomRates(e, skill, 'local-user-z', 2, 'stored, but the reply was lost');
    await e.service.syncNow();
    expect(row(e, first)).toMatchObject({ sync_status: 'pending', remote_rating_id: null });
    expect(onRemote(skill, 'local-user-z')).toEqual([{ rating: 2, comment: 'stored, but the reply was lost' }]);
    emu.setFaults({}); // set back: its Date headers are on time, its stamps still 90 s ahead

    await sleep(1_000);
    const later = atomRates(e, skill, 'local-user-z', 5, 'after the restart');
    e = await e.restart();
    await e.service.syncNow();

    expect(row(e, later)).toMatchObject({ sync_status: 'uploaded' });
    expect(onRemote(skill, 'local-user-z')).toEqual([{ rating: 5, comment: 'after the restart' }]);
    expect(emu.receivedRatings()).toMatchObject({ duplicates: [] });
  });

  // Without a listing, the refusal is all that shows what the remote holds.
  describe('when the remote cannot list ratings', () => {
    const NO_LIST: EmulatorFaults = { unsupported_extensions: ['ratings_list'] };

    it('a re-rating in place replaces our value uploaded while the clock ran ahead: the refusal shows it holds our write', async () => {
      const e = await setup({ ...NO_LIST, clock_skew_ms: AHEAD_MS });
      const skill = skillIdOf(14);
      const id = atomRates(e, skill, 'local-user-n', 5, 'while it ran ahead');
      await e.service.syncNow();
      expect(onRemote(skill, 'local-user-n')).toEqual([{ rating: 5, comment: 'while it ran ahead' }]);
      emu.setFaults(NO_LIST);
      for (let i = 0; i < 10; i++) await e.client.listCategories();

      await sleep(1_000);
      atomReRates(e, id, 1, 'after it was set back');
      await e.service.syncNow();
      expect(row(e, id)).toMatchObject({ sync_status: 'uploaded', rating: 1 });
      expect(onRemote(skill, 'local-user-n')).toEqual([{ rating: 1, comment: 'after it was set back' }]);
      expect(emu.receivedRatings()).toMatchObject({ duplicates: [] });
    });

    it('a re-rating in place made before a restart replaces our value uploaded while the clock ran ahead', async () => {
      let e = await setup({ ...NO_LIST, clock_skew_ms: AHEAD_MS });
      const skill = skillIdOf(16);
      const id = atomRates(e, skill, 'local-user-q', 5, 'while it ran ahead');
      await e.service.syncNow();
      emu.setFaults(NO_LIST);

      await sleep(1_000);
      atomReRates(e, id, 1, 'after it was set back');
      // Nothing of the first upload is left in memory: the row itself must still say what was sent before.
      e = await e.restart();
      await e.service.syncNow();
      expect(row(e, id)).toMatchObject({ sync_status: 'uploaded', rating: 1 });
      expect(onRemote(skill, 'local-user-q')).toEqual([{ rating: 1, comment: 'after it was set back' }]);
    });

    it('a refusal that does not say what the remote holds is final', async () => {
      const faults: EmulatorFaults = { ...NO_LIST, refusal_omits_held: true };
      const e = await setup({ ...faults, clock_skew_ms: AHEAD_MS });
      const skill = skillIdOf(15);
      const id = atomRates(e, skill, 'local-user-o', 5, 'while it ran ahead');
      await e.service.syncNow();
      emu.setFaults(faults);
      for (let i = 0; i < 10; i++) await e.client.listCategories();

      await sleep(1_000);
      atomReRates(e, id, 1, 'after it was set back');
      await e.service.syncNow();
      expect(row(e, id)).toMatchObject({ sync_status: 'uploaded', rating: 1 });
      expect(onRemote(skill, 'local-user-o')).toEqual([{ rating: 5, comment: 'while it ran ahead' }]);
    });

    it('a value another device wrote after ours still wins over an older local one', async () => {
      let e = await setup({ ...NO_LIST, clock_skew_ms: AHEAD_MS });
      const skill = skillIdOf(13);
      const id = atomRates(e, skill, 'local-user-m', 2, 'ours, while it ran ahead');
      await e.service.syncNow();
      emu.setFaults(NO_LIST);
      // Our re-rating is made offline, before the other device's.
      const offline = new Date(Date.now() - 30_000).toISOString();
      await sleep(1_000);
      await otherDeviceReRates(skill, 'local-user-m', 3, 'from the phone');
      e.atom.db.prepare('UPDATE skill_ratings SET rating = 4, comment = ?, updated_at = ? WHERE id = ?').run('ours, offline', offline, id);
      e = await e.restart();
      await e.service.syncNow();

      expect(onRemote(skill, 'local-user-m')).toEqual([{ rating: 3, comment: 'from the phone' }]);
    });
  });

  it('a value another device wrote meanwhile keeps its stamp\'s verdict', async () => {
    let e = await setup({ ...BASE_ONLY, clock_skew_ms: AHEAD_MS });
    const skill = skillIdOf(10);
    atomRates(e, skill, 'local-user-y', 2, 'ours, before the restart');
    await e.service.syncNow();
    await otherDeviceReRates(skill, 'local-user-y', 3, 'from the phone');
    emu.setFaults(BASE_ONLY);

    const later = atomRates(e, skill, 'local-user-y', 5, 'ours, after the restart');
    e = await e.restart();
    await e.service.syncNow();

    expect(row(e, later)).toMatchObject({ sync_status: 'uploaded' });
    expect(onRemote(skill, 'local-user-y')).toEqual([{ rating: 3, comment: 'from the phone' }]);
  });
});
