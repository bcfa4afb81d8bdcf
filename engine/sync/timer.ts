import schedule from 'node-schedule';

/** Arms one callback at a date; node-schedule in the product, a manual timer in tests. */
export interface TimerScheduler {
  at(date: Date, fn: () => void): { cancel(): void };
}

export const nodeScheduleTimer: TimerScheduler = {
  at(date, fn) {
    const job = schedule.scheduleJob(date, fn);
    return { cancel: () => void job?.cancel() };
  },
};
