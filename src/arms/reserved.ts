/** Token ids a P-DPO artefact reserves, all of which must never be generated. */
import type { ArtefactManifest } from "../core/artefacts.js";

/**
 * Every reserved id: each user's and the generic ids, plus `reserved_token_range` read as
 * inclusive [first, last], clipped to the vocabulary.
 */
export function reservedTokenIds(manifest: ArtefactManifest, vocabularySize: number | null): number[] {
  const ids = new Set<number>(manifest.generic_token_ids);
  for (const list of Object.values(manifest.user_token_ids)) for (const t of list) ids.add(t);
  const range = manifest.reserved_token_range;
  if (range) {
    const last = vocabularySize === null ? range[1] : Math.min(range[1], vocabularySize - 1);
    for (let t = range[0]; t <= last; t++) ids.add(t);
  }
  return [...ids].filter((t) => vocabularySize === null || t < vocabularySize).sort((a, b) => a - b);
}
