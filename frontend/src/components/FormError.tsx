import type { ReactNode } from 'react';

/** A problem with the whole form (not one field), announced as it appears. */
export function FormError({ children }: { children: ReactNode }) {
  if (!children) return null;
  return (
    <p className="form-error" role="alert">
      {children}
    </p>
  );
}
