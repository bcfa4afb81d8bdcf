// The pipelined baseline's writer: a worker thread that owns the better-sqlite3 connection and
// upserts each page it is sent with one prepared statement in one transaction, answering when
// it has committed, while the main thread downloads the next page.
import { parentPort, workerData } from 'node:worker_threads';

const { openDatabase } = await import(new URL('store/database.js', workerData.dist).href);
const db = openDatabase(workerData.dbPath);
const upsert = db.prepare(`INSERT INTO community_skills (skill_id, name, description, version, category, skill_type, author, tags, payload, remote_updated_at, synced_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (skill_id) DO UPDATE SET name = excluded.name, payload = excluded.payload, synced_at = excluded.synced_at`);
const writePage = db.transaction((skills, now) => {
  for (const s of skills) {
    upsert.run(s.skill_id, s.name, s.description ?? null, s.version ?? null, s.category ?? null, s.skill_type ?? null, s.author ?? null, JSON.stringify(s.tags ?? []), JSON.stringify(s), s.updated_at ?? null, now);
  }
});

parentPort.on('message', (message) => {
  if (message.type === 'page') {
    writePage(message.skills, message.now);
    parentPort.postMessage({ type: 'written', count: message.skills.length });
  } else if (message.type === 'close') {
    db.close();
    parentPort.postMessage({ type: 'closed' });
  }
});
parentPort.postMessage({ type: 'ready' });
