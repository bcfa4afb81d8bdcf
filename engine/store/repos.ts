import { CategoriesRepo } from './categoriesRepo.js';
import { ConflictsRepo } from './conflictsRepo.js';
import { writeTransaction, type SqlDb } from './sqlDb.js';
import { FailedUploadsRepo } from './failedUploadsRepo.js';
import { ItemErrorsRepo } from './itemErrorsRepo.js';
import { RatingsRepo } from './ratingsRepo.js';
import { RunsRepo } from './runsRepo.js';
import { SkillsRepo } from './skillsRepo.js';
import { SyncStateRepo } from './syncStateRepo.js';
import { TombstonesRepo } from './tombstonesRepo.js';

/** Runs `fn` as one write transaction (a savepoint when already inside one). */
export type Transact = <T>(fn: () => T) => T;

/** Every repository on one connection, and its transaction: what code above the store is given instead of the connection. */
export interface Repos {
  skills: SkillsRepo;
  categories: CategoriesRepo;
  state: SyncStateRepo;
  runs: RunsRepo;
  tombstones: TombstonesRepo;
  itemErrors: ItemErrorsRepo;
  ratings: RatingsRepo;
  failedUploads: FailedUploadsRepo;
  conflicts: ConflictsRepo;
  transact: Transact;
}

export function createRepos(db: SqlDb): Repos {
  return {
    skills: new SkillsRepo(db),
    categories: new CategoriesRepo(db),
    state: new SyncStateRepo(db),
    runs: new RunsRepo(db),
    tombstones: new TombstonesRepo(db),
    itemErrors: new ItemErrorsRepo(db),
    ratings: new RatingsRepo(db),
    failedUploads: new FailedUploadsRepo(db),
    conflicts: new ConflictsRepo(db),
    transact: (fn) => writeTransaction(db, fn),
  };
}
