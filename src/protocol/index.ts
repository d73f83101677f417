/**
 * The study protocol: planner, reducer engine and blinding. Pure — imports only src/core.
 *
 *   const plan  = planParticipant(config, { participantId, index });
 *   let state   = initialState(plan);
 *   state       = apply(state, event);   // every event, from a human or a simulator
 *   const task  = next(state);           // what is due now
 */
export * from "./types.js";
export { planParticipant, williamsDesign, armPairs, labelFor, defaultConversations, type PlanFor } from "./plan.js";
export { initialState, apply, next, fold, rebuild, checkInvariants, attentionPassed, isParticipantTask, ProtocolError } from "./engine.js";
export { scrubText, responsesShown, responseId, MODEL_NAMES, COMPANY_NAMES, type ArmOutput, type ScrubOptions, type ScrubResult } from "./blinding.js";
