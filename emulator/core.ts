/** The emulator's state in one place: dataset, live catalogue, ratings, faults, clock. */
import type { Json, RemoteSkill, RemoteSkillEntry, WsMessageType } from '../engine/contracts/remote.js';
import type { EmulatorFaults } from './types.js';
import { Catalogue } from './catalogue.js';
import { Dataset, type DatasetOptions } from './dataset.js';
import { FaultState } from './faults.js';
import { RatingsBook } from './ratingsBook.js';
import { ServerClock } from './serverClock.js';

export interface CoreOptions extends DatasetOptions {
  /** Wall clock in ms; the server clock makes it strictly increasing. */
  now: () => number;
}

/** A pushed WebSocket frame. Looser than WsMessage: poisoned skills go out as they are. */
export interface PushFrame {
  type: WsMessageType;
  data: unknown;
  timestamp: string;
}

/** A skill as it goes on the wire, wrong-typed fields and all when poisoned. */
export type WireSkill = { [field: string]: Json | undefined };

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
  /** Replies dropped after commit (lost_reply_rate) since the last reset. */
  lostReplies = 0;
  /** Set once the socket hub exists; frames go nowhere before. */
  push: (frame: PushFrame) => void = () => {};

  constructor(opts: CoreOptions) {
    this.dataset = new Dataset(opts);
    this.clock = new ServerClock(opts.now, this.dataset.lastSeedTime);
    this.catalogue = new Catalogue(this.dataset, this.clock);
    this.ratings = new RatingsBook(this.dataset, this.clock);
  }

  /** Replaces the fault set (validated by the caller) and applies its clock knobs. */
  setFaults(faults: EmulatorFaults): EmulatorFaults {
    const set = this.faults.set(faults);
    this.clock.configure(faults.clock_skew_ms, faults.clock_resolution_ms);
    return set;
  }

  /** The server's time now (skewed when the faults say so): Date headers and pong stamps. */
  serverNow(): number {
    return this.clock.wallNow();
  }

  /** A skill as served: poisoned skills carry wrong-typed fields everywhere they appear. */
  wireSkill(skill: RemoteSkill): WireSkill {
    if (!this.faults.poisons(skill.skill_id)) return skill;
    return { ...skill, version: 42, name: { en: skill.name } };
  }

  wireEntry(entry: RemoteSkillEntry): WireSkill {
    return 'deleted' in entry && entry.deleted === true ? { ...entry } : this.wireSkill(entry as RemoteSkill);
  }

  pushSkill(skill: RemoteSkill): void {
    this.push({ type: 'skill_update', data: this.wireSkill(skill), timestamp: skill.updated_at ?? new Date(this.serverNow()).toISOString() });
  }

  /** Back to the seeded state with no faults; the clock keeps running forward (unless a skew moved it). */
  reset(): void {
    this.catalogue = new Catalogue(this.dataset, this.clock);
    this.ratings = new RatingsBook(this.dataset, this.clock);
    this.faults.set({});
    this.clock.reset();
    this.mutations = 0;
    this.lostReplies = 0;
  }
}
