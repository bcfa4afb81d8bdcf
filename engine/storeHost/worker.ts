/** The store worker's entry: the one thread that runs SQL. */
import { runStoreWorker } from '../store/worker/runtime.js';
import { createStoreTree, type StoreTreeConfig } from './tree.js';

runStoreWorker<StoreTreeConfig>(createStoreTree);
