/**
 * Billing runs this browser started or opened, newest first, so finance can come back to a run
 * (its progress keeps updating from the API after a reload). Kept in localStorage by the store.
 */
import { createSlice, type PayloadAction } from '@reduxjs/toolkit';

export interface RecentRun {
  id: string;
  period: string;
  startedAt: string;
}

export const MAX_RECENT_RUNS = 20;

const runsSlice = createSlice({
  name: 'recentRuns',
  initialState: [] as RecentRun[],
  reducers: {
    runSeen(state, action: PayloadAction<RecentRun>) {
      const others = state.filter((run) => run.id !== action.payload.id);
      return [action.payload, ...others].slice(0, MAX_RECENT_RUNS);
    },
    runsForgotten() {
      return [];
    },
  },
});

export const { runSeen, runsForgotten } = runsSlice.actions;
export const recentRunsReducer = runsSlice.reducer;
