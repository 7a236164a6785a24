// Catches a rendering failure anywhere below it and shows what happened with a way back, never a blank page.

import { Component, type ComponentChildren } from 'preact';

interface State {
  readonly error: unknown;
}

export class ErrorBoundary extends Component<{ readonly children: ComponentChildren }, State> {
  override state: State = { error: null };

  override componentDidCatch(error: unknown): void {
    this.setState({ error });
  }

  override render() {
    if (this.state.error === null) return this.props.children;
    return (
      <div class="frame">
        <main>
          <div class="error-box" role="alert">
            <strong>The page failed to render</strong>
            <p>{String((this.state.error as Error)?.message ?? this.state.error)}</p>
            <p>
              <button type="button" onClick={() => location.reload()}>
                Reload
              </button>
            </p>
          </div>
        </main>
      </div>
    );
  }
}
