// Entry point: mounts the app. A failure while rendering shows a message instead of a blank page.

import { render } from 'preact';
import { App } from './app.js';
import { ErrorBoundary } from './components/error-boundary.js';
import './styles.css';

const root = document.getElementById('app');
if (root)
  render(
    <ErrorBoundary>
      <App />
    </ErrorBoundary>,
    root,
  );
