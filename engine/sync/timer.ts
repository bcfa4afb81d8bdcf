import { runLater, systemClock, type ScheduledCall } from '../clock.js';

/** Arms one callback at a date: how PauseState ends a timed pause (its test fires it by hand). */
export interface TimerScheduler {
  at(date: Date, fn: () => void): ScheduledCall;
}

/** On the system clock's schedule (node-schedule), like the periodic runs. */
export const nodeScheduleTimer: TimerScheduler = {
  at: (date, fn) => runLater(systemClock, date.getTime() - systemClock.now(), fn),
};
