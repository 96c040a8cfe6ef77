/**
 * A titled panel that owns the three states every panel has besides its content: loading, error, empty.
 * Empty is a sentence saying what to do, never a blank axis box.
 */
import type { ComponentChildren } from 'preact';

interface Props {
  title: string;
  /** Buttons or badges shown right of the title. */
  actions?: ComponentChildren;
  loading?: boolean;
  error?: string | null;
  /** When set (and not loading or failed), shown instead of the children. */
  empty?: ComponentChildren | null;
  wide?: boolean;
  children?: ComponentChildren;
}

export function Panel({ title, actions, loading, error, empty, wide, children }: Props) {
  let body: ComponentChildren;
  if (error) {
    body = (
      <p class="state state-error" role="alert">
        Could not load: {error}
      </p>
    );
  } else if (loading) {
    body = (
      <div class="state state-loading" aria-busy="true">
        <span class="skeleton" />
        <span class="sr-only">Loading {title.toLowerCase()}…</span>
      </div>
    );
  } else if (empty) {
    body = <div class="state state-empty">{empty}</div>;
  } else {
    body = children;
  }
  return (
    <section class={wide ? 'panel panel-wide' : 'panel'} aria-label={title}>
      <header class="panel-head">
        <h2>{title}</h2>
        {actions ? <div class="panel-actions">{actions}</div> : null}
      </header>
      {body}
    </section>
  );
}
