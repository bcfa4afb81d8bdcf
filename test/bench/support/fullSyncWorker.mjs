// One full-sync measurement in a fresh process, against the built engine (dist/, as shipped),
// so its peak RSS is the engine's own and not a TypeScript loader's.
//   node fullSyncWorker.mjs <engine|pipelined|sequential> <apiUrl> <batch> <dbPath>
// pipelined: plain undici downloads page N+1 while a worker thread owning the connection writes
// page N with one prepared statement (baselineWriter.mjs); sequential: one thread, fetch then write.
import { Worker } from 'node:worker_threads';
import { request } from 'undici';
import { rssSampler } from './rssSampler.mjs';

const [kind, apiUrl, batchText, dbPath] = process.argv.slice(2);
const batch = Number(batchText);
const dist = new URL('../../../dist/engine/', import.meta.url);

async function engine() {
  const { loadConfig } = await import(new URL('config/index.js', dist).href);
  const { createEngine } = await import(new URL('index.js', dist).href);
  const config = loadConfig({
    ATOM_SAAS_API_URL: apiUrl,
    ATOM_SAAS_WS_ENABLED: 'false',
    ATOM_DB_PATH: dbPath,
    ATOM_LOG_PATH: `${dbPath}.log`,
    ATOM_SAAS_SYNC_BATCH_SIZE: String(batch),
    ATOM_LOG_LEVEL: 'warn',
  });
  const instance = await createEngine(config, { listen: false, syncOnStart: false, staticDir: null });
  const full = async () => {
    const t0 = performance.now();
    const outcome = await instance.services.sync.trigger('full', 'manual');
    if (!outcome.accepted) throw new Error(outcome.reason);
    await instance.services.sync.idle();
    const run = (await instance.services.sync.runs(1))[0];
    if (run.result !== 'success') throw new Error(`full sync ${run.result}: ${run.error}`);
    return performance.now() - t0;
  };
  const idleRss = Math.round(process.memoryUsage().rss / 2 ** 20);
  const stop = rssSampler();
  const ms = await full();
  const peak = stop();
  const skills = instance.services.sync.status().skills_cached;
  // A second full listing of an unchanged catalogue, then one after the remote deleted 1 %:
  // every row the listing no longer has is checked by id before it is removed.
  const resyncMs = await full();
  const control = apiUrl.replace(/\/api\/v1\/marketplace$/, '/__emulator');
  const deleted = Math.max(1, Math.round(skills / 100));
  await request(`${control}/mutate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ delete: deleted, push: false }) }).then((r) => r.body.text());
  const resyncDeletedMs = await full();
  const left = instance.services.sync.status().skills_cached;
  if (left !== skills - deleted) throw new Error(`after deleting ${deleted} of ${skills}, ${left} remain cached`);
  await instance.stop();
  return { ms, peak_rss_mb: peak, idle_rss_mb: idleRss, skills, result: 'success', resync_ms: resyncMs, resync_deleted_ms: resyncDeletedMs, deleted };
}

async function fetchPage(page) {
  const res = await request(`${apiUrl}/skills/marketplace/skills?page=${page}&page_size=${batch}`);
  if (res.statusCode !== 200) throw new Error(`page ${page}: HTTP ${res.statusCode}`);
  return res.body.json();
}

const lastPage = (body, page) => body.skills.length < batch || (body.total_pages !== undefined && page >= body.total_pages);

/** The writer thread; `send` posts one message and resolves with its answer (answers come in order). */
async function startWriter() {
  const worker = new Worker(new URL('./baselineWriter.mjs', import.meta.url), { workerData: { dist: dist.href, dbPath } });
  const waiting = [];
  let failure = null;
  const fail = (error) => {
    failure = error;
    for (const w of waiting.splice(0)) w.reject(error);
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`baseline writer exited with code ${code}`)));
  const ready = new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  worker.on('message', (message) => waiting.shift()?.resolve(message));
  await ready;
  return {
    send(message) {
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        worker.postMessage(message);
      });
    },
    async close() {
      await this.send({ type: 'close' });
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  };
}

async function pipelined() {
  const writer = await startWriter();
  const idleRss = Math.round(process.memoryUsage().rss / 2 ** 20);
  const stop = rssSampler();
  const t0 = performance.now();
  let skills = 0;
  let writing = Promise.resolve();
  for (let page = 1; page < 1_000_000; page++) {
    const body = await fetchPage(page);
    // At most one page in the writer: this one goes once the previous one has committed.
    await writing;
    writing = writer.send({ type: 'page', skills: body.skills, now: new Date().toISOString() });
    skills += body.skills.length;
    if (lastPage(body, page)) break;
  }
  await writing;
  const ms = performance.now() - t0;
  const peak = stop();
  await writer.close();
  return { ms, peak_rss_mb: peak, idle_rss_mb: idleRss, skills, result: 'success' };
}

async function sequential() {
  const { openDatabase } = await import(new URL('store/database.js', dist).href);
  const db = openDatabase(dbPath);
  const upsert = db.prepare(`INSERT INTO community_skills (skill_id, name, description, version, category, skill_type, author, tags, payload, remote_updated_at, synced_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (skill_id) DO UPDATE SET name = excluded.name, payload = excluded.payload, synced_at = excluded.synced_at`);
  const idleRss = Math.round(process.memoryUsage().rss / 2 ** 20);
  const stop = rssSampler();
  const t0 = performance.now();
  let skills = 0;
  for (let page = 1; page < 1_000_000; page++) {
    const body = await fetchPage(page);
    const now = new Date().toISOString();
    db.transaction(() => {
      for (const s of body.skills) {
        upsert.run(s.skill_id, s.name, s.description ?? null, s.version ?? null, s.category ?? null, s.skill_type ?? null, s.author ?? null, JSON.stringify(s.tags ?? []), JSON.stringify(s), s.updated_at ?? null, now);
      }
    })();
    skills += body.skills.length;
    if (lastPage(body, page)) break;
  }
  const ms = performance.now() - t0;
  const peak = stop();
  db.close();
  return { ms, peak_rss_mb: peak, idle_rss_mb: idleRss, skills, result: 'success' };
}

const kinds = { engine, pipelined, sequential };
if (!(kind in kinds)) throw new Error(`unknown kind ${kind}; choose from ${Object.keys(kinds).join(', ')}`);
const result = await kinds[kind]();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
