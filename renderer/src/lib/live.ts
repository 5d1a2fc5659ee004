import type { ApiEvent, DecisionView } from '../../../src/api/contract.ts';
import { call } from './api.ts';

/** The decision an arrival event tells of, as the lists show it; undefined for any other event. */
export async function arrivedDecision(event: ApiEvent): Promise<DecisionView | undefined> {
  if (event.kind !== 'arrival' || event.arrival.decisionId === undefined) return undefined;
  const r = await call('decisions.get', { id: event.arrival.decisionId });
  // With its evidence too: a list row is the decision's view, whatever else comes along.
  return r.ok ? r.result : undefined;
}
