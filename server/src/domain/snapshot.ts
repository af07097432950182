/**
 * Whether a vendor snapshot may be applied as the truth. A list that shrank to less than
 * half of what the last good sync saw is far more likely a truncated or failing answer
 * than half the customers leaving overnight: it is rejected and the mirror keeps the last
 * good data (someone can force it once they have checked).
 */
export const MIN_SHARE_OF_LAST = 0.5;
/** Below this many rows last time, shrinkage is not judged (small test networks). */
export const MIN_ROWS_TO_JUDGE = 20;

export function snapshotLooksPartial(rows: number, lastRows: number | null | undefined): boolean {
  if (lastRows === null || lastRows === undefined || lastRows < MIN_ROWS_TO_JUDGE) return false;
  return rows < lastRows * MIN_SHARE_OF_LAST;
}
