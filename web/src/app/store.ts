/** The Redux store: who is signed in, the runs this browser follows, and RTK Query's cache. */
import { combineReducers, configureStore } from '@reduxjs/toolkit';
import { api } from './api';
import { authReducer, initialAuthState, readClaims, type AuthState } from './authSlice';
import { recentRunsReducer, type RecentRun } from './runsSlice';

const TOKEN_KEY = 'ctv-console.token';
const RUNS_KEY = 'ctv-console.recent-runs';

/** sessionStorage / localStorage, or a stand-in in unit tests. */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const rootReducer = combineReducers({ auth: authReducer, recentRuns: recentRunsReducer, [api.reducerPath]: api.reducer });
export type RootState = ReturnType<typeof rootReducer>;

/** The token survives a reload of the tab (sessionStorage), never the closing of it. */
function restoredAuth(storage: Pick<KeyValueStorage, 'getItem'> | undefined): AuthState {
  const token = storage?.getItem(TOKEN_KEY);
  if (!token) return initialAuthState;
  const claims = readClaims(token);
  if (typeof claims === 'string' || (claims.exp !== null && claims.exp * 1000 <= Date.now())) return initialAuthState;
  return { token, claims, error: null };
}

function restoredRuns(storage: Pick<KeyValueStorage, 'getItem'> | undefined): RecentRun[] {
  try {
    const runs = JSON.parse(storage?.getItem(RUNS_KEY) ?? '[]') as unknown;
    return Array.isArray(runs) ? (runs as RecentRun[]) : [];
  } catch {
    return [];
  }
}

export function createStore(options: { session?: KeyValueStorage; local?: KeyValueStorage } = {}) {
  const store = configureStore({
    reducer: rootReducer,
    preloadedState: { auth: restoredAuth(options.session), recentRuns: restoredRuns(options.local) },
    middleware: (getDefault) => getDefault().concat(api.middleware),
    // RTK Query's cache updates are batched to the end of the current task, not to the next
    // animation frame: an answer is on screen in the frame that follows it, not one frame later.
    enhancers: (getDefault) => getDefault({ autoBatch: { type: 'tick' } }),
  });
  let last = store.getState();
  store.subscribe(() => {
    const state = store.getState();
    const previous = last;
    // Updated before anything is dispatched below, so the nested notification sees no change.
    last = state;
    if (state.auth !== previous.auth) {
      if (state.auth.token) options.session?.setItem(TOKEN_KEY, state.auth.token);
      else options.session?.removeItem(TOKEN_KEY);
      // Another user's cached answers must not show after a sign-out or a new sign-in.
      if (state.auth.token !== previous.auth.token) store.dispatch(api.util.resetApiState());
    }
    if (state.recentRuns !== previous.recentRuns) options.local?.setItem(RUNS_KEY, JSON.stringify(state.recentRuns));
  });
  return store;
}

export type AppStore = ReturnType<typeof createStore>;
export type AppDispatch = AppStore['dispatch'];
