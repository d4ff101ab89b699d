import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Provider } from 'react-redux';
import { RouterProvider } from 'react-router';
import { createStore } from './app/store';
import { createConsoleRouter } from './router';
import './styles.css';

const store = createStore({ session: window.sessionStorage, local: window.localStorage });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Provider store={store}>
      <RouterProvider router={createConsoleRouter()} />
    </Provider>
  </StrictMode>,
);
