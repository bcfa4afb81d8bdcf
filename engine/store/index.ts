export * from './database.js';
export * from './migrations.js';
export * from './stamp.js';
export * from './skillsRepo.js';
export * from './categoriesRepo.js';
export * from './syncStateRepo.js';
export * from './runsRepo.js';
