/** Refetch on resync: after the live link reconnects, or when a subscription says it dropped changes. */
import { useEffect, useRef } from 'react';

export function useResync(refetch: () => void): void {
  const ref = useRef(refetch);
  ref.current = refetch;
  useEffect(() => {
    const handler = (): void => ref.current();
    window.addEventListener('emerald:resync', handler);
    return () => window.removeEventListener('emerald:resync', handler);
  }, []);
}
