// What a source hands to the scan loop: text to scan, or a note of what it could not cover.
import type { Fragment, SkippedFragment } from '../scan/types.js';

export type SourceItem = Fragment | SkippedFragment;

export function isSkipped(item: SourceItem): item is SkippedFragment {
  return 'reason' in item;
}
