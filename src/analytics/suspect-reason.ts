import type { PairEvidence } from './analytics.repository';
import type { Suspect } from './analytics.responses';

const ratioOf = (pairs: PairEvidence[]): string => {
  const ac = pairs.reduce((sum, pair) => sum + pair.ac, 0);
  const dc = pairs.reduce((sum, pair) => sum + pair.dc, 0);
  return (Math.round((dc / ac) * 1000) / 1000).toFixed(3);
};

const listed = (pairs: PairEvidence[]) => pairs.map((pair) => `${pair.meterId} ${pair.ratio.toFixed(3)}`).join(', ');

/**
 * The evidence behind a suspect, in a sentence an operator can check against the meter pages: the
 * vehicle's ratio on each meter where its figures are complete, and what tells the two culprits apart.
 */
export function suspectReason(suspect: Suspect | null, evidence: PairEvidence[]): string | null {
  if (suspect === 'vehicle') {
    return (
      `Below the threshold on each of the ${evidence.length} meters it charged on with complete figures ` +
      `(${listed(evidence)}), where other vehicles charged at or above it.`
    );
  }
  if (suspect === 'charger') {
    const suspected = evidence.filter((pair) => pair.chargerSuspect);
    const elsewhere = evidence.filter((pair) => !pair.chargerSuspect);
    const there = suspected.length === 1 ? 'that charger' : 'those chargers';
    return (
      `Below the threshold only on suspected chargers (${listed(suspected)}), where every vehicle with complete ` +
      `figures was below it; ` +
      (elsewhere.length === 0
        ? `it charged nowhere else with complete figures, but other vehicles low on ${there} were fine elsewhere.`
        : `on its other meters it reached ${ratioOf(elsewhere)}.`)
    );
  }
  return null;
}
