/**
 * The fonts the corpus writes digits with: handwriting-style families from Debian (fonts-dkg-handwriting,
 * fonts-breip, fonts-bwht, fonts-humor-sans, fonts-comic-neue, fonts-dancingscript, fonts-kaushanscript,
 * fonts-rufscript, fonts-sjfonts) and a few print families. Each was looked at: only families whose
 * ten digits a person reads at once are listed (dropped: Kristi and Delphine, whose 1/4/7 are odd;
 * femkeklaver, outlined; Because We Learn and Because We Mentor, whose 6 reads as a b).
 */
import { execFileSync } from 'node:child_process';

/** Handwriting-style families, in the order pictures cycle through them. */
export const HANDWRITING_FONTS = [
  'DkgHandwriting',
  'Breip',
  'Because We Build',
  'Because We Connect',
  'Because We Create',
  'Because We Organize',
  'Humor Sans',
  'Comic Neue',
  'Dancing Script',
  'Kaushan Script',
  'Rufscript',
  'Steve',
] as const;

/** Print families, used as some people write: plain sans digits. */
export const PRINT_FONTS = ['Liberation Sans', 'FreeSans', 'DejaVu Sans'] as const;

/** fontconfig's generic family, the last resort when no listed family is installed (or fc-list is missing). */
export const FALLBACK_FONT = 'sans-serif';

let installed: readonly string[] | undefined;

/**
 * The listed families fontconfig knows on this machine (`fc-list : family`), handwriting first;
 * `[FALLBACK_FONT]` when none is installed or fc-list cannot run. librsvg would silently substitute
 * a missing family, so the corpus never names one that is not installed.
 */
export function availableFonts(): readonly string[] {
  if (installed !== undefined) return installed;
  let families = new Set<string>();
  try {
    const listing = execFileSync('fc-list', [':', 'family'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    families = new Set(listing.split('\n').flatMap((line) => line.split(',').map((name) => name.trim())));
  } catch {
    // No fontconfig tools: fall through to the generic family.
  }
  const found = [...HANDWRITING_FONTS, ...PRINT_FONTS].filter((family) => families.has(family));
  installed = found.length > 0 ? found : [FALLBACK_FONT];
  return installed;
}
