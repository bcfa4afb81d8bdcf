/** The emulator's state in one place: dataset, live catalogue, ratings, faults, clock. */
import type { WsMessage } from '../engine/contracts/remote.js';
import { Catalogue } from './catalogue.js';
import { Dataset, type DatasetOptions } from './dataset.js';
import { FaultState } from './faults.js';
import { RatingsBook } from './ratingsBook.js';
import { ServerClock } from './serverClock.js';

export interface CoreOptions extends DatasetOptions {
  /** Wall clock in ms; the server clock makes it strictly increasing. */
  now: () => number;
}

export class EmulatorCore {
  readonly dataset: Dataset;
  readonly clock: ServerClock;
  readonly faults = new FaultState();
  catalogue: Catalogue;
  ratings: RatingsBook;
  /** Mutations applied since the last reset; seeds the choice of skills each one touches. */
  mutations = 0;
  /** Marketplace HTTP requests seen (all outcomes). */
  requests = 0;
  /** Set once the socket hub exists; frames go nowhere before. */
  push: (message: WsMessage) => void = () => {};

  constructor(opts: CoreOptions) {
    this.dataset = new Dataset(opts);
    this.clock = new ServerClock(opts.now, this.dataset.lastSeedTime);
    this.catalogue = new Catalogue(this.dataset, this.clock);
    this.ratings = new RatingsBook(this.dataset, this.clock);
  }

  /** Back to the seeded state with no faults; the clock keeps running forward. */
  reset(): void {
    this.catalogue = new Catalogue(this.dataset, this.clock);
    this.ratings = new RatingsBook(this.dataset, this.clock);
    this.faults.set({});
    this.mutations = 0;
  }
}
