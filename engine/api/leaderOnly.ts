import type { RequestHandler } from 'express';
import { sendError } from './errors.js';

/** Writes that start remote work: a standby answers them with who leads instead (the caller retries there). */
const LEADER_WORK: ReadonlyArray<RegExp> = [
  /^\/trigger$/,
  /^\/pause$/,
  /^\/resume$/,
  /^\/ratings$/,
  /^\/ratings\/failed-uploads\/(?:\d+\/retry|retry-all)$/,
  /^\/websocket\/reconnect$/,
];

export function leaderOnly(replica: () => { leading: boolean; leaderId: string | null }): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'POST' || !LEADER_WORK.some((path) => path.test(req.path))) return next();
    const { leading, leaderId } = replica();
    if (leading) return next();
    const where = leaderId === null ? 'no replica leads right now; try again in a few seconds' : `send it to the leader, ${leaderId}`;
    sendError(res, 409, 'not_leader', `This replica is a standby: ${where}.`, { leader: leaderId });
  };
}
