/**
 * Numbered schema migrations (PRAGMA user_version). Append only: never edit a shipped one.
 * Ratings carry no foreign key to community_skills: the runbook's `DELETE FROM community_skills`
 * must not cascade into (or be blocked by) ratings that have not reached the remote yet.
 */
export const MIGRATIONS: readonly string[] = [
  /* 1: the schema of docs/contracts/local-store.md */ `
  CREATE TABLE community_skills (
    skill_id          TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    description       TEXT,
    version           TEXT,
    category          TEXT,
    skill_type        TEXT,
    author            TEXT,
    tags              TEXT NOT NULL DEFAULT '[]',
    payload           TEXT NOT NULL,
    average_rating    REAL NOT NULL DEFAULT 0,
    rating_count      INTEGER NOT NULL DEFAULT 0,
    remote_updated_at TEXT,
    base_payload      TEXT,
    local_modified_at TEXT,
    synced_at         TEXT NOT NULL,
    deleted_at        TEXT
  );
  CREATE INDEX community_skills_category ON community_skills (category) WHERE deleted_at IS NULL;
  CREATE INDEX community_skills_modified ON community_skills (skill_id) WHERE local_modified_at IS NOT NULL;

  -- An edit by anyone but the sync engine (which always moves synced_at) marks the row as
  -- locally modified, so the next remote change becomes a conflict instead of an overwrite.
  CREATE TRIGGER community_skills_local_edit
  AFTER UPDATE OF name, description, version, category, skill_type, author, tags, payload
  ON community_skills
  WHEN NEW.synced_at IS OLD.synced_at AND NEW.local_modified_at IS OLD.local_modified_at
  BEGIN
    UPDATE community_skills
       SET local_modified_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
           base_payload = COALESCE(OLD.base_payload, OLD.payload)
     WHERE skill_id = NEW.skill_id;
  END;

  CREATE TABLE skill_categories (
    name        TEXT PRIMARY KEY,
    slug        TEXT,
    description TEXT,
    skill_count INTEGER NOT NULL DEFAULT 0,
    synced_at   TEXT NOT NULL
  );

  CREATE TABLE sync_state (
    stream       TEXT PRIMARY KEY,
    status       TEXT NOT NULL DEFAULT 'idle',
    last_sync    TEXT,
    last_attempt TEXT,
    cursor       TEXT,
    last_error   TEXT,
    items_synced INTEGER NOT NULL DEFAULT 0,
    updated_at   TEXT NOT NULL,
    -- JSON progress of a full listing in flight ({page, page_size, since, started_at}), so a restart resumes it
    resume       TEXT
  );

  CREATE TABLE sync_runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    stream      TEXT NOT NULL,
    mode        TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    result      TEXT NOT NULL DEFAULT 'running',
    items       INTEGER NOT NULL DEFAULT 0,
    error       TEXT,
    error_kind  TEXT,
    duration_ms INTEGER
  );
  CREATE INDEX sync_runs_stream_started ON sync_runs (stream, started_at);

  CREATE TABLE skill_ratings (
    id                TEXT PRIMARY KEY,
    skill_id          TEXT NOT NULL,
    user_id           TEXT NOT NULL,
    rating            INTEGER NOT NULL,
    comment           TEXT,
    origin            TEXT NOT NULL DEFAULT 'local' CHECK (origin IN ('local', 'remote')),
    sync_status       TEXT NOT NULL DEFAULT 'pending' CHECK (sync_status IN ('pending', 'uploaded', 'failed')),
    remote_rating_id  TEXT,
    upload_attempts   INTEGER NOT NULL DEFAULT 0,
    last_upload_error TEXT,
    next_attempt_at   TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
  );
  CREATE INDEX skill_ratings_pending ON skill_ratings (sync_status, next_attempt_at) WHERE origin = 'local';
  CREATE INDEX skill_ratings_skill ON skill_ratings (skill_id);
  CREATE UNIQUE INDEX skill_ratings_remote_id ON skill_ratings (remote_rating_id) WHERE origin = 'remote';
  CREATE INDEX skill_ratings_local_pending_id ON skill_ratings (sync_status, id) WHERE origin = 'local';
  CREATE INDEX skill_ratings_local_remote_id ON skill_ratings (remote_rating_id) WHERE origin = 'local';

  CREATE TABLE failed_rating_uploads (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    rating_id       TEXT NOT NULL REFERENCES skill_ratings (id) ON DELETE CASCADE,
    error           TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    first_failed_at TEXT NOT NULL,
    last_attempt_at TEXT NOT NULL,
    next_retry_at   TEXT,
    resolved_at     TEXT
  );
  CREATE UNIQUE INDEX failed_rating_uploads_open ON failed_rating_uploads (rating_id) WHERE resolved_at IS NULL;

  CREATE TABLE sync_conflicts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    entity_type   TEXT NOT NULL,
    entity_id     TEXT NOT NULL,
    conflict_type TEXT NOT NULL CHECK (conflict_type IN ('both_modified', 'deleted_remotely', 'version_regression')),
    severity      TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    base          TEXT,
    local         TEXT,
    remote        TEXT,
    fields        TEXT NOT NULL DEFAULT '[]',
    status        TEXT NOT NULL DEFAULT 'unresolved' CHECK (status IN ('unresolved', 'resolved')),
    strategy      TEXT,
    resolution    TEXT,
    resolved_at   TEXT,
    resolved_by   TEXT,
    detected_at   TEXT NOT NULL,
    updated_at    TEXT NOT NULL
  );
  CREATE UNIQUE INDEX sync_conflicts_open ON sync_conflicts (entity_type, entity_id) WHERE status = 'unresolved';
  CREATE INDEX sync_conflicts_status ON sync_conflicts (status, severity);
  `,
  /* 2: deletions keep their time; items the remote sent malformed are listed and retried */ `
  -- A skill deleted remotely, with the remote time of the deletion: a listing page or frame
  -- carrying an older version of it (fetched before the deletion, written after) is not applied.
  CREATE TABLE skill_tombstones (
    skill_id    TEXT PRIMARY KEY,
    deleted_at  TEXT NOT NULL,
    recorded_at TEXT NOT NULL
  );

  -- Remote items skipped as invalid (wrong types, missing fields): never deleted for it, retried each run.
  CREATE TABLE sync_item_errors (
    stream        TEXT NOT NULL,
    item_id       TEXT NOT NULL,
    reason        TEXT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 1,
    first_seen_at TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    PRIMARY KEY (stream, item_id)
  );
  `,
  /* 3: a local re-rating goes back to the remote as an update of the (skill, user) pair's one rating */ `
  -- The local row a newer local row for the same (skill, user) replaced before it was sent.
  ALTER TABLE skill_ratings ADD COLUMN superseded_by TEXT;
  CREATE INDEX skill_ratings_local_pair ON skill_ratings (skill_id, user_id) WHERE origin = 'local';

  -- The local Atom changing a rating (the engine never writes rating or comment of a local row)
  -- makes the row pending again with fresh attempts, out of the dead letter, and with a new
  -- updated_at unless Atom set one: the remote keeps the newest timestamp.
  CREATE TRIGGER skill_ratings_local_rerate
  AFTER UPDATE OF rating, comment ON skill_ratings
  WHEN NEW.origin = 'local' AND NEW.sync_status IS OLD.sync_status
   AND (NEW.rating IS NOT OLD.rating OR NEW.comment IS NOT OLD.comment)
  BEGIN
    UPDATE skill_ratings
       SET sync_status = 'pending', upload_attempts = 0, last_upload_error = NULL, next_attempt_at = NULL,
           superseded_by = NULL,
           updated_at = CASE WHEN NEW.updated_at IS OLD.updated_at THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now') ELSE NEW.updated_at END
     WHERE id = NEW.id;
    UPDATE failed_rating_uploads
       SET resolved_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), next_retry_at = NULL
     WHERE rating_id = NEW.id AND resolved_at IS NULL;
  END;
  `,
  /* 4: the value last sent for a local rating, which a lost reply may have stored remotely */ `
  ALTER TABLE skill_ratings ADD COLUMN sent_rating INTEGER;
  ALTER TABLE skill_ratings ADD COLUMN sent_comment TEXT;
  `,
  /* 5: the value sent before that one: a re-rating in place must not forget what the remote may hold */ `
  ALTER TABLE skill_ratings ADD COLUMN prior_sent_rating INTEGER;
  ALTER TABLE skill_ratings ADD COLUMN prior_sent_comment TEXT;
  `,
  /* 6: when a deleted row was last listed, so a full listing can tell a deletion behind its offset */ `
  ALTER TABLE skill_tombstones ADD COLUMN listed_at TEXT;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
